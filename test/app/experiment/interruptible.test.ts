import { describe, expect, it } from 'vitest';
import { linkedController, sleepUntil } from '../../../src/app/experiment/interruptible.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('sleepUntil (through the injected clock)', () => {
  it('resolves true at the instant, not before', async () => {
    const clock = new FakeClock();
    let woke: boolean | undefined;
    void sleepUntil(clock, clock.now() + 1000, new AbortController().signal).then((v) => (woke = v));
    await clock.advanceBy(999);
    expect(woke).toBeUndefined();
    await clock.advanceBy(1);
    expect(woke).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('resolves false at once on abort, and cancels its timer', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = sleepUntil(clock, clock.now() + 60_000, controller.signal);
    expect(clock.pending).toBe(1);
    controller.abort();
    expect(await sleeping).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('resolves false without a timer when already aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    controller.abort();
    expect(await sleepUntil(clock, clock.now() + 10, controller.signal)).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('linkedController', () => {
  it('aborts with its parent, with the parent\'s reason', () => {
    const parent = new AbortController();
    const child = linkedController(parent.signal);
    parent.abort('stop');
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe('stop');
  });

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController();
    parent.abort();
    expect(linkedController(parent.signal).signal.aborted).toBe(true);
  });

  it('aborting the child leaves the parent alone; after unlink the parent no longer reaches it', () => {
    const parent = new AbortController();
    const first = linkedController(parent.signal);
    first.abort();
    expect(parent.signal.aborted).toBe(false);
    const second = linkedController(parent.signal);
    second.unlink();
    parent.abort();
    expect(second.signal.aborted).toBe(false);
  });

  it('works without a parent', () => {
    const child = linkedController(undefined);
    child.unlink();
    child.abort();
    expect(child.signal.aborted).toBe(true);
  });
});
