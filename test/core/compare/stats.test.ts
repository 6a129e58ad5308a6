import { describe, expect, it } from 'vitest';
import { latencyStats, nearestRank } from '../../../src/core/compare/stats.js';

describe('latency statistics', () => {
  it('nearest rank: always a measured value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([50, 90, 95, 99, 100, 1].map((p) => nearestRank(sorted, p))).toEqual([5, 9, 10, 10, 10, 1]);
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([42], 99)).toBe(42);
  });

  it('sorts numerically (not as text), rounds to microseconds, empty gives nulls', () => {
    expect(latencyStats([100, 9, 20, 3.0004])).toEqual({ count: 4, p50: 9, p95: 100, p99: 100, max: 100, mean: 33 });
    expect(latencyStats([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null, mean: null });
  });
});
