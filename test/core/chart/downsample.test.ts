import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minMaxIndices, thinMarkers } from '../../../src/core/chart/downsample.js';

describe('min/max downsampling', () => {
  it('keeps everything when small', () => {
    expect(minMaxIndices([1, 2, 3], [5, 6, 7], 10)).toEqual([0, 1, 2]);
  });

  it('keeps a one-sample spike and both ends, within 4 points per column', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => (i === 54_321 ? 99 : i === 7 ? -50 : Math.sin(i / 1000)));
    const kept = minMaxIndices(xs, ys, 200);
    expect(kept.length).toBeLessThanOrEqual(800);
    expect(kept).toContain(54_321);
    expect(kept).toContain(7);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(n - 1);
  });

  it('property: indices ascending, unique, and every column max/min kept', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.integer({ min: 1, max: 40 }), (ys, buckets) => {
        const xs = ys.map((_, i) => i * 3);
        const kept = minMaxIndices(xs, ys, buckets);
        for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
        const values = kept.map((i) => ys[i]!);
        expect(Math.max(...values)).toBe(Math.max(...ys));
        expect(Math.min(...values)).toBe(Math.min(...ys));
      }),
    );
  });

  it('thins markers evenly past the cap', () => {
    expect(thinMarkers([1, 2, 3], 5)).toEqual({ kept: [1, 2, 3], total: 3 });
    expect(thinMarkers(Array.from({ length: 10 }, (_, i) => i), 5)).toEqual({ kept: [0, 2, 4, 6, 8], total: 10 });
  });
});
