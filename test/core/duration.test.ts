import { describe, expect, it } from 'vitest';
import { durationToMs, formatDuration, parseDuration } from '../../src/core/duration.js';

describe('durationToMs (the one duration grammar)', () => {
  it.each([
    ['500ms', 500],
    ['20s', 20_000],
    [' 2m ', 120_000],
    ['1.5h', 5_400_000],
    ['3', 3000],
    ['0s', 0],
    [2.5, 2500],
    [0, 0],
  ])('%j → %d ms', (value, ms) => {
    expect(durationToMs(value)).toBe(ms);
  });

  it.each([['soon'], ['-1s'], ['1d'], [''], ['1e3s'], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], [null], [true], [{}]])('%j is not a duration', (value) => {
    expect(durationToMs(value)).toBeUndefined();
  });
});

describe('parseDuration (a library option)', () => {
  it('names the option in an option error the CLI can map to its flag', () => {
    expect(() => parseDuration('soon', 'drainTimeout')).toThrow(expect.objectContaining({ code: 'E_USAGE', option: 'drainTimeout', message: 'drainTimeout: expected a duration like 500ms, 20s, 2m or 1h (found "soon")' }));
  });

  it('keeps a flag a caller passes as it is', () => {
    expect(() => parseDuration('soon', '--idle')).toThrow(expect.objectContaining({ code: 'E_USAGE', option: undefined, message: '--idle: expected a duration like 500ms, 20s, 2m or 1h (found "soon")' }));
  });

  it('parses like durationToMs', () => {
    expect(parseDuration('250ms')).toBe(250);
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250 ms'],
    [1500, '1.5 s'],
    [185_000, '3 min 5 s'],
    [7_500_000, '2 h 5 min'],
    [Number.NaN, '?'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
