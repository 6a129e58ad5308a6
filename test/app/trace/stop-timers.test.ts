import { describe, expect, it } from 'vitest';
import { IdleTimer, settlesWithin, startDurationTimer } from '../../../src/app/trace/stop-timers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('IdleTimer (on the injected clock)', () => {
  it('stops after idleMs of quiet; each arrival starts the quiet spell again, with one timer', async () => {
    const clock = new FakeClock(0);
    const stops: number[] = [];
    const idle = new IdleTimer(clock, 500, () => stops.push(clock.now()));
    idle.touch(); // subscribed at 0
    await clock.advanceTo(300);
    idle.touch(); // an arrival at 300: quiet until 800
    await clock.advanceTo(400);
    idle.touch(); // and at 400: quiet until 900
    expect(clock.pending).toBe(1);
    await clock.advanceTo(899);
    expect(stops).toEqual([]);
    await clock.advanceTo(900);
    expect(stops).toEqual([900]);
    expect(clock.pending).toBe(0);
  });

  it('stop() cancels it; later arrivals do not arm it again', async () => {
    const clock = new FakeClock(0);
    const stops: number[] = [];
    const idle = new IdleTimer(clock, 100, () => stops.push(clock.now()));
    idle.touch();
    idle.stop();
    idle.touch();
    expect(clock.pending).toBe(0);
    await clock.advanceTo(1000);
    expect(stops).toEqual([]);
  });
});

describe('duration and close waits (on the injected clock)', () => {
  it('startDurationTimer fires durationMs from now, unless cancelled', async () => {
    const clock = new FakeClock(1000);
    const ends: number[] = [];
    startDurationTimer(clock, 250, () => ends.push(clock.now()));
    const cancel = startDurationTimer(clock, 100, () => ends.push(-1));
    cancel();
    await clock.advanceTo(5000);
    expect(ends).toEqual([1250]);
  });

  it('settlesWithin: true when the promise settles first (the timer is cancelled), false when time runs out', async () => {
    const clock = new FakeClock(0);
    await expect(settlesWithin(clock, 1000, Promise.resolve())).resolves.toBe(true);
    await expect(settlesWithin(clock, 1000, Promise.reject(new Error('x')))).resolves.toBe(true);
    expect(clock.pending).toBe(0);
    const never = new Promise<void>(() => {});
    const waiting = settlesWithin(clock, 2000, never);
    await clock.advanceTo(1999);
    let result: boolean | undefined;
    void waiting.then((r) => (result = r));
    await clock.advanceTo(1999);
    expect(result).toBeUndefined();
    await clock.advanceTo(2000);
    expect(result).toBe(false);
  });
});
