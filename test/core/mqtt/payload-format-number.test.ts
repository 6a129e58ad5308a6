import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber } from '../../../src/core/mqtt/payload.js';

/** The definition the fast path must agree with: round to maxDecimals, trim zeros. */
function reference(value: number, maxDecimals = 6): string {
  if (Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(maxDecimals).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

describe('formatNumber', () => {
  it.each([
    [24.47, 6, '24.47'],
    [0.1 + 0.2, 6, '0.3'],
    [1266193804.5, 3, '1266193804.5'],
    [-0.0000001, 6, '0'],
    [1e-7, 6, '0'],
    [1700000000.123, 3, '1700000000.123'],
    [-3.25, 6, '-3.25'],
  ])('%d with %i decimals is %s', (value, decimals, text) => {
    expect(formatNumber(value, decimals)).toBe(text);
  });

  it('agrees with rounding and trimming for any double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 6 }), (value, decimals) => {
        expect(formatNumber(value, decimals)).toBe(reference(value, decimals));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 6 }), (units, decimals) => {
        const value = units / 10 ** decimals;
        expect(formatNumber(value, decimals)).toBe(reference(value, decimals));
      }),
      { numRuns: 20_000 },
    );
  });
});
