import { describe, expect, it } from 'vitest';
import { awaitDrain } from '../../../src/app/experiment/drain.js';
import { ArrivalTally } from '../../../src/core/experiment/arrival-tally.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const limits = { target: 3, drainMs: 5000, quietMs: 1000 };

/** Starts a drain at the clock's now; returns its outcome once settled, and when that was. */
function start(clock: FakeClock, tally: ArrivalTally, signal = new AbortController().signal) {
  const outcome: { verdict?: string; at?: number } = {};
  void awaitDrain(clock, signal, tally, limits).then((verdict) => {
    outcome.verdict = verdict;
    outcome.at = clock.now();
  });
  return outcome;
}

describe('awaitDrain', () => {
  it('ends within one check of the last missing message arriving', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const tally = new ArrivalTally();
    tally.note(1, t0 - 10);
    const outcome = start(clock, tally);
    await clock.advanceBy(400);
    tally.note(2, clock.now());
    tally.note(2, clock.now()); // a duplicate is not the missing third
    await clock.advanceBy(400);
    expect(outcome.verdict).toBeUndefined();
    tally.note(3, clock.now());
    await clock.advanceBy(50);
    expect(outcome).toEqual({ verdict: 'complete', at: t0 + 850 });
    expect(clock.pending).toBe(0);
  });

  it('gives up once nothing arrived for quietMs', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const tally = new ArrivalTally();
    const outcome = start(clock, tally);
    await clock.advanceBy(600);
    tally.note(1, clock.now());
    await clock.advanceBy(1500);
    expect(outcome).toEqual({ verdict: 'quiet', at: t0 + 1600 });
  });

  it('gives up at the drain deadline while messages keep trickling in', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const tally = new ArrivalTally();
    const outcome = start(clock, tally);
    for (let i = 0; i < 12; i++) {
      await clock.advanceBy(500);
      tally.note(1, clock.now()); // the same message over and over: never complete, never quiet
    }
    expect(outcome).toEqual({ verdict: 'deadline', at: t0 + 5000 });
  });

  it('stops at once when the run is aborted', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const controller = new AbortController();
    const outcome = start(clock, new ArrivalTally(), controller.signal);
    await clock.advanceBy(120);
    controller.abort();
    await clock.advanceBy(0);
    expect(outcome).toEqual({ verdict: 'interrupted', at: t0 + 120 });
    expect(clock.pending).toBe(0);
  });
});
