import { describe, expect, it } from 'vitest';
import { MarkList } from '../../../src/core/live/mark-list.js';
import { CoarseSeries } from '../../../src/core/live/series.js';

describe('CoarseSeries', () => {
  it.each([
    { name: 'a sample in the same slot replaces the last (max columns keep the larger)', samples: [[0, 1, 5], [50, 2, 3], [100, 3, 9]], expected: [[100, 3, 9]] },
    { name: 'a sample past the slot starts a new point', samples: [[0, 1, 5], [200, 2, 3], [450, 3, 1]], expected: [[0, 1, 5], [200, 2, 3], [450, 3, 1]] },
    { name: 'NaN (no value) never wins a max', samples: [[0, 1, 4], [10, 2, NaN]], expected: [[10, 2, 4]] },
  ])('$name', ({ samples, expected }) => {
    const series = new CoarseSeries(['last', 'max'], 10, 200);
    for (const [at, a, b] of samples) series.push(at!, [a!, b!]);
    expect(series.points()).toEqual(expected);
  });

  it('when full, neighbours merge (last: the later, max: the larger) and the slot doubles', () => {
    const series = new CoarseSeries(['last', 'max'], 4, 100);
    for (let i = 0; i < 4; i++) series.push(i * 100, [i, 10 - i]);
    series.push(400, [4, 0]);
    expect(series.slotMs).toBe(200);
    expect(series.points()).toEqual([[100, 1, 10], [300, 3, 8], [400, 4, 0]]);
  });

  it('a run of any length stays within the capacity and covers it whole', () => {
    const series = new CoarseSeries(['last'], 600, 200);
    for (let i = 0; i <= 1_000_000; i++) series.push(i * 10, [i]);
    expect(series.size).toBeLessThanOrEqual(600);
    expect(series.size).toBeGreaterThanOrEqual(300);
    const points = series.points();
    expect(points[0]![0]).toBeLessThan(10_000_000 * 0.01);
    expect(points.at(-1)).toEqual([10_000_000, 1_000_000]);
  });
});

describe('MarkList', () => {
  it('keeps the last `capacity` items and counts all', () => {
    const list = new MarkList<number>(3);
    for (let i = 1; i <= 10; i++) list.add(i);
    expect(list.items()).toEqual([8, 9, 10]);
    expect(list.total).toBe(10);
    expect(list.last()).toBe(10);
  });
});
