import { describe, expect, it } from 'vitest';
import { PacingStats } from '../../../src/core/schedule/pacing-stats.js';
import { expectedDurationMs, loopPeriodMs, plannedOffset, sentProfileTime, type ScheduleInput } from '../../../src/core/schedule/schedule.js';

const base = { firstTime: 10_000, loopPeriodMs: 3000 };

describe('plannedOffset', () => {
  it.each([
    [{ mode: 'profile' }, 12_000, 5, 0, 2000],
    [{ mode: 'profile' }, 12_000, 5, 2, 8000],
    [{ mode: 'speed', factor: 4 }, 12_000, 5, 0, 500],
    [{ mode: 'speed', factor: 4 }, 12_000, 5, 1, 1250],
    [{ mode: 'rate', hz: 200 }, 99_999, 5, 3, 25],
    [{ mode: 'max' }, 12_000, 5, 0, undefined],
  ] as const)('%j time %d index %d pass %d → %s', (pacing, time, index, pass, expected) => {
    expect(plannedOffset({ ...base, pacing } as ScheduleInput, time, index, pass)).toBe(expected);
  });

  it('offsets are absolute: the 1000th reading is due exactly 1000 steps after the first', () => {
    const s: ScheduleInput = { pacing: { mode: 'rate', hz: 200 }, firstTime: 0, loopPeriodMs: 0 };
    expect(plannedOffset(s, 0, 1000, 0)).toBe(5000);
  });
});

describe('loopPeriodMs', () => {
  it.each([
    [60_000, 61, 61_000],
    [0, 1, 1000],
    [1000, 3, 1500],
  ])('span %d over %d distinct times → %d', (span, distinct, expected) => expect(loopPeriodMs(span, distinct)).toBe(expected));
});

describe('sentProfileTime', () => {
  it.each([
    [{ time: 5000, pass: 0, loopPeriodMs: 1000, relative: true, startAt: 1e12, shiftMs: 0 }, 1e12 + 5000],
    [{ time: 5000, pass: 2, loopPeriodMs: 1000, relative: false, startAt: 1e12, shiftMs: 0 }, 7000],
    [{ time: 5000, pass: 0, loopPeriodMs: 1000, relative: false, startAt: 1e12, shiftMs: 100 }, 5100],
  ])('%j → %d', (input, expected) => expect(sentProfileTime(input)).toBe(expected));
});

describe('expectedDurationMs', () => {
  it('covers every pass', () => {
    expect(expectedDurationMs({ pacing: { mode: 'speed', factor: 2 }, firstTime: 0, loopPeriodMs: 2000 }, 1000, 2, 3)).toBe(2500);
    expect(expectedDurationMs({ pacing: { mode: 'max' }, firstTime: 0, loopPeriodMs: 2000 }, 1000, 2, 3)).toBeUndefined();
  });
});

describe('PacingStats', () => {
  it('gives zeros without samples', () => expect(new PacingStats().percentiles()).toEqual({ p50: 0, p99: 0, max: 0 }));

  it('keeps percentiles within 1 % in bounded memory', () => {
    const stats = new PacingStats();
    for (let i = 1; i <= 10_000; i++) stats.add(i / 1000); // 0.001 .. 10 ms
    const { p50, p99, max } = stats.percentiles();
    expect(p50).toBeGreaterThan(5 * 0.99);
    expect(p50).toBeLessThan(5 * 1.01);
    expect(p99).toBeGreaterThan(9.9 * 0.99);
    expect(p99).toBeLessThan(9.9 * 1.01);
    expect(max).toBe(10);
  });

  it('counts early sends by their size', () => {
    const stats = new PacingStats();
    stats.add(-2);
    expect(stats.percentiles().max).toBe(2);
  });
});
