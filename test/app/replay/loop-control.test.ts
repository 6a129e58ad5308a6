import { describe, expect, it } from 'vitest';
import { LoopControl } from '../../../src/app/replay/loop-control.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Resolves-at time of a promise, read once the clock has moved. */
function settledAt(clock: FakeClock, promise: Promise<unknown>): { at: number | undefined; value: unknown } {
  const seen: { at: number | undefined; value: unknown } = { at: undefined, value: undefined };
  void promise.then((value) => {
    seen.at = clock.now();
    seen.value = value;
  });
  return seen;
}

describe('LoopControl (fake clock)', () => {
  it('napUntil resolves at its instant, or earlier on wakeUp (and cancels its timer)', async () => {
    const clock = new FakeClock(0);
    const control = new LoopControl(clock);
    const nap = settledAt(clock, control.napUntil(500));
    await clock.advanceTo(499);
    expect(nap.at).toBeUndefined();
    await clock.advanceTo(500);
    expect(nap.at).toBe(500);
    const woken = settledAt(clock, control.napUntil(2000));
    await clock.advanceTo(700);
    control.wakeUp();
    await clock.advanceTo(700);
    expect(woken.at).toBe(700);
    expect(clock.pending).toBe(0);
  });

  it('waitUntil: naps over a long gap, the precise last second through sleepUntil; true at the instant', async () => {
    const clock = new FakeClock(0);
    const control = new LoopControl(clock);
    const wait = settledAt(clock, control.waitUntil(5000));
    await clock.advanceTo(0);
    expect(clock.nextAt).toBe(4500);
    await clock.advanceTo(4500);
    expect(clock.nextAt).toBe(5000);
    await clock.advanceTo(5000);
    expect(wait).toEqual({ at: 5000, value: true });
  });

  it('a stop (or an abort) ends a wait with false', async () => {
    const clock = new FakeClock(0);
    const control = new LoopControl(clock);
    const abort = new AbortController();
    const unlisten = control.stopOn(abort.signal);
    const wait = settledAt(clock, control.waitUntil(60_000));
    await clock.advanceTo(2000);
    abort.abort();
    await clock.advanceTo(2000);
    expect(wait).toEqual({ at: 2000, value: false });
    expect(control.stopped).toBe(true);
    unlisten();
    expect(await control.waitUntil(90_000)).toBe(false);
  });

  it('a signal already aborted stops at once; nextWake waits for wakeUp', async () => {
    const clock = new FakeClock(0);
    const control = new LoopControl(clock);
    control.stopOn(AbortSignal.abort());
    expect(control.stopped).toBe(true);
    const next = settledAt(clock, control.nextWake());
    await clock.advanceTo(10_000);
    expect(next.at).toBeUndefined();
    control.wakeUp();
    await clock.advanceTo(10_000);
    expect(next.at).toBe(10_000);
  });
});
