import { describe, expect, it } from 'vitest';
import { ProcessStop } from '../../../src/app/process/process-stop.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('ProcessStop', () => {
  it('the first reason wins', async () => {
    const stop = new ProcessStop();
    stop.finish('count');
    stop.finish('duration');
    await stop.stopped;
    expect(stop).toMatchObject({ stopping: true, stoppedBy: 'count' });
  });

  it('stops after the duration, by the clock', async () => {
    const clock = new FakeClock();
    const stop = new ProcessStop();
    stop.watch(undefined, clock, 2000);
    await clock.advanceBy(1999);
    expect(stop.stopping).toBe(false);
    await clock.advanceBy(1);
    expect(stop.stoppedBy).toBe('duration');
  });

  it('stops on abort, also one that came before watching', () => {
    const clock = new FakeClock();
    const later = new AbortController();
    const a = new ProcessStop();
    a.watch(later.signal, clock, undefined);
    expect(a.stopping).toBe(false);
    later.abort();
    expect(a).toMatchObject({ stopping: true, stoppedBy: 'signal' });

    const b = new ProcessStop();
    b.watch(later.signal, clock, 5000);
    expect(b).toMatchObject({ stopping: true, stoppedBy: 'signal' });
  });

  it('unwatching cancels the duration timer and the abort listener', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const stop = new ProcessStop();
    stop.watch(controller.signal, clock, 1000)();
    expect(clock.pending).toBe(0);
    controller.abort();
    await clock.advanceBy(5000);
    expect(stop.stopping).toBe(false);
  });

  it('a guarded body that throws stops the processor and keeps the first error', () => {
    const stop = new ProcessStop();
    let ran = 0;
    stop.guard(() => ran++);
    expect(stop.failure).toBeUndefined();
    stop.guard(() => {
      throw new Error('disk full');
    });
    stop.guard(() => {
      throw new Error('second');
    });
    expect(stop).toMatchObject({ stopping: true, stoppedBy: 'signal' });
    expect((stop.failure?.error as Error).message).toBe('disk full');
    expect(ran).toBe(1);
  });
});
