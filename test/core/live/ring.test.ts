import { describe, expect, it } from 'vitest';
import { PointRing, RateCounter } from '../../../src/core/live/ring.js';

describe('PointRing', () => {
  it('keeps the last `capacity` points, oldest first', () => {
    const ring = new PointRing(3);
    for (let i = 1; i <= 5; i++) ring.push(i * 10, i);
    expect(ring.size).toBe(3);
    expect(ring.since()).toEqual([[30, 3], [40, 4], [50, 5]]);
    expect(ring.since(40)).toEqual([[40, 4], [50, 5]]);
  });

  it('replaceLast overwrites the newest point (or adds the first)', () => {
    const ring = new PointRing(2);
    ring.replaceLast(1, 1);
    ring.push(2, 2);
    ring.replaceLast(3, 9);
    expect(ring.since()).toEqual([[1, 1], [3, 9]]);
  });
});

describe('RateCounter', () => {
  const t0 = 1_700_000_000_000;
  it.each([
    { name: 'nothing yet', arrivals: [], now: t0, rate: 0 },
    { name: 'a first burst counts over at least a second', arrivals: [t0, t0 + 1, t0 + 2], now: t0 + 10, rate: 3 },
    { name: '10 a second for 5 s', arrivals: Array.from({ length: 50 }, (_, i) => t0 + i * 100), now: t0 + 5000, rate: 10 },
    { name: 'arrivals older than the window are forgotten', arrivals: [t0, t0 + 1, t0 + 2], now: t0 + 30_000, rate: 0 },
  ])('$name', ({ arrivals, now, rate }) => {
    const counter = new RateCounter(10);
    for (const at of arrivals) counter.add(at);
    expect(counter.rate(now)).toBeCloseTo(rate, 5);
  });

  it('a steady 20/s reads 20/s over the full window, long after the start', () => {
    const counter = new RateCounter(10);
    for (let i = 0; i < 20 * 60; i++) counter.add(t0 + i * 50);
    expect(counter.rate(t0 + 60_000)).toBeCloseTo(20, 0);
    const perSecond = counter.perSecond(t0 + 59_999);
    expect(perSecond).toHaveLength(10);
    expect(perSecond.map(([, n]) => n)).toEqual(Array(10).fill(20));
  });
});
