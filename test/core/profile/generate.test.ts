import { describe, expect, it } from 'vitest';
import { generateProfileLines, type GenerateProfileOptions } from '../../../src/core/profile/generate.js';
import { detectLayout } from '../../../src/core/profile/format.js';
import { SensortraceError } from '../../../src/core/errors.js';

const base: GenerateProfileOptions = {
  pattern: 'noise',
  sensors: ['s1'],
  rateHz: 1,
  durationMs: 5000,
  startMs: Date.UTC(2024, 0, 1),
  shape: 'single',
  timeFormat: 'epoch-s',
  delimiter: ',',
  noise: 0,
};
function captureError(run: () => unknown): SensortraceError {
  try {
    run();
  } catch (error) {
    if (error instanceof SensortraceError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

const lines = (o: Partial<GenerateProfileOptions>) => [...generateProfileLines({ ...base, ...o })].map((l) => l.trimEnd());

describe('generateProfileLines', () => {
  it.each([
    [{}, ['time,value', '1704067200,20.00', '1704067201,20.00']],
    [{ shape: 'long', sensors: ['a', 'b'] }, ['time,sensor,value', '1704067200,a,20.00', '1704067200,b,20.50']],
    [{ shape: 'wide', sensors: ['hdd0', 'hdd1'], delimiter: ';', decimalComma: true }, ['time;hdd0;hdd1', '1704067200;20,00;20,50']],
    [{ delimiter: ' ', decimals: 0 }, ['1704067200 20']],
    [{ timeFormat: 'iso' }, ['time,value', '2024-01-01T00:00:00.000Z,20.00']],
    [{ timeFormat: 'relative-s', rateHz: 4 }, ['time,value', '0,20.00', '0.25,20.00']],
    [{ timeFormat: 'epoch-ms' }, ['time,value', '1704067200000,20.00']],
  ] as const)('%j starts with the expected lines', (options, expected) => {
    const out = lines(options as Partial<GenerateProfileOptions>);
    expect(out.slice(0, expected.length)).toEqual(expected);
  });

  it('writes rate × duration time steps, exact at slow rates with an interval', () => {
    expect(lines({ rateHz: 10, durationMs: 2000 })).toHaveLength(21);
    const day = lines({ intervalMs: 300_000, durationMs: 86_400_000 });
    expect(day).toHaveLength(289);
    expect(day.at(-1)).toMatch(/^1704153300,/);
  });

  it.each([
    ['ramp', (v: number[]) => v[v.length - 1]! > v[0]!],
    ['steps', (v: number[]) => new Set(v).size === 4],
    ['noise', (v: number[]) => v.every((x) => x === v[0])],
  ] as const)('%s has its shape', (pattern, check) => {
    const values = lines({ pattern, rateHz: 1, durationMs: 100_000, amplitude: 4 })
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(check(values)).toBe(true);
  });

  it('daily: coolest near 03:00 UTC, warmest near 15:00', () => {
    const values = lines({ pattern: 'daily', intervalMs: 3_600_000, durationMs: 86_400_000 - 1, amplitude: 3 })
      .slice(1)
      .map((l) => Number(l.split(',')[1]));
    expect(values.indexOf(Math.min(...values))).toBe(3);
    expect(values.indexOf(Math.max(...values))).toBe(15);
    expect(Math.max(...values) - Math.min(...values)).toBeCloseTo(6, 1);
  });

  it('is reproducible with a seed and differs without', () => {
    const a = lines({ noise: 1, seed: 7 });
    expect(lines({ noise: 1, seed: 7 })).toEqual(a);
    expect(lines({ noise: 1, seed: 8 })).not.toEqual(a);
  });

  it('produces files the profile reader detects', () => {
    const out = lines({ shape: 'wide', sensors: ['x', 'y'], delimiter: '\t', timeFormat: 'iso' });
    expect(detectLayout(out.slice(0, 5), {}, 'g.tsv', 'g')).toMatchObject({ shape: 'wide', delimiter: '\t', timeFormat: 'iso' });
  });

  it.each([
    [{ sensors: ['a', 'b'] }, 'shape', /^shape: single holds one sensor/],
    [{ sensors: ['a b'], shape: 'long' }, 'sensors', /^sensors: sensor names/],
    [{ sensors: [] }, 'sensors', /^sensors: at least one sensor$/],
    [{ decimalComma: true }, 'decimalComma', /^decimalComma: needs a delimiter other than ","$/],
    [{ rateHz: 0 }, 'rateHz', /^rateHz: expected a positive number$/],
    [{ intervalMs: -1 }, 'intervalMs', /^intervalMs: expected a positive duration$/],
    [{ durationMs: Number.NaN }, 'durationMs', /^durationMs: expected a duration$/],
  ] as const)('rejects %j, naming the option %s', (options, option, message) => {
    const error = captureError(() => lines(options as Partial<GenerateProfileOptions>));
    expect(error).toMatchObject({ code: 'E_USAGE', option });
    expect(error.message).toMatch(message);
  });
});
