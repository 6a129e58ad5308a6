import { describe, expect, it } from 'vitest';
import { replayStart } from '../../../src/core/schedule/replay-start.js';

const schedule = { pacing: { mode: 'speed' as const, factor: 2 }, firstTime: 1_000, loopPeriodMs: 10_000 };
const base = { now: 50_000, schedule, resuming: false, shiftToNow: false, relative: false, profileFirstTime: 1_000 };

describe('replayStart', () => {
  it.each([
    ['a fresh run starts 1 ms ahead', {}, { startAt: 50_001, shiftMs: 0 }],
    ['--shift-to-now moves an absolute profile to the start', { shiftToNow: true }, { startAt: 50_001, shiftMs: 49_001 }],
    ['--shift-to-now leaves a relative profile alone', { shiftToNow: true, relative: true }, { startAt: 50_001, shiftMs: 0 }],
    ['a resumed run keeps the rhythm: its first row is due now', { resuming: true, first: { time: 5_000, index: 10, pass: 0 } }, { startAt: 50_001 - 2_000, shiftMs: 0 }],
    ['a resumed run in a later pass', { resuming: true, first: { time: 1_000, index: 10, pass: 1 } }, { startAt: 50_001 - 5_000, shiftMs: 0 }],
    ['a resumed run with nothing left', { resuming: true }, { startAt: 50_001, shiftMs: 0 }],
    ['--max has no offsets to keep', { resuming: true, first: { time: 5_000, index: 10, pass: 0 }, schedule: { ...schedule, pacing: { mode: 'max' as const } } }, { startAt: 50_001, shiftMs: 0 }],
  ])('%s', (_name, extra, expected) => {
    expect(replayStart({ ...base, ...extra })).toEqual(expected);
  });
});
