import { describe, expect, it } from 'vitest';
import { DRAIN_CHECK_MS, drainVerdict, nextDrainCheckAt, type DrainState } from '../../../src/core/experiment/drain.js';

const base: DrainState = { now: 1000, arrived: 5, target: 10, replayEndedAt: 1000, lastArrivalAt: 900, drainMs: 8000, quietMs: 1500 };

describe('drainVerdict', () => {
  it.each<[string, Partial<DrainState>, ReturnType<typeof drainVerdict>]>([
    ['waits while messages are missing and time is left', {}, 'wait'],
    ['is complete once every sent message arrived', { arrived: 10 }, 'complete'],
    ['is complete even at the deadline when everything arrived', { arrived: 10, now: 9000 }, 'complete'],
    ['gives up at the deadline (replay end + drain)', { now: 9000, lastArrivalAt: 8999 }, 'deadline'],
    ['gives up once nothing arrived for quietMs after the replay ended', { now: 2500 }, 'quiet'],
    ['quiet counts from the last arrival when it came after the replay ended', { now: 2500, lastArrivalAt: 1200 }, 'wait'],
    ['quiet counts from the last arrival: then it is over', { now: 2700, lastArrivalAt: 1200 }, 'quiet'],
    ['nothing to wait for when nothing was sent', { arrived: 0, target: 0 }, 'complete'],
  ])('%s', (_name, change, expected) => {
    expect(drainVerdict({ ...base, ...change })).toBe(expected);
  });
});

describe('nextDrainCheckAt', () => {
  it.each([
    [1000, 1000 + DRAIN_CHECK_MS],
    [8990, 9000],
  ])('at %d checks next at %d (one slice on, never past the deadline)', (now, expected) => {
    expect(nextDrainCheckAt({ now, replayEndedAt: 1000, drainMs: 8000 })).toBe(expected);
  });
});
