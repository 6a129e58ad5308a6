import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sparkline } from '../../../src/core/live/sparkline.js';

describe('sparkline', () => {
  it.each([
    { values: [], width: 10, expected: '' },
    { values: [1, 2, 3], width: 0, expected: '' },
    { values: [5, 5, 5], width: 10, expected: '▄▄▄' },
    { values: [0, 7], width: 10, expected: '▁█' },
    { values: [0, 1, 2, 3, 4, 5, 6, 7], width: 10, expected: '▁▂▃▄▅▆▇█' },
    { values: [0, 100, 50], width: 2, expected: '█▁' }, // only the last 2, scaled to their own range
    { values: [NaN, 1, Infinity, 3], width: 10, expected: '▁█' }, // payloads without a number are skipped
  ])('$values at width $width → $expected', ({ values, width, expected }) => {
    expect(sparkline(values, width)).toBe(expected);
  });

  it('is never wider than asked and always starts at the lowest block when values differ', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 30 }), (values, width) => {
        const line = sparkline(values, width);
        const shown = values.slice(-width);
        expect(Array.from(line)).toHaveLength(shown.length);
        if (Math.min(...shown) !== Math.max(...shown)) {
          expect(line).toContain('▁');
          expect(line).toContain('█');
        }
      }),
    );
  });
});
