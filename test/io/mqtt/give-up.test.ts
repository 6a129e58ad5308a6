import { describe, expect, it } from 'vitest';
import { GiveUpWatch } from '../../../src/io/mqtt/give-up.js';
import { FakeClock } from '../../helpers/fake-clock.js';

type Step = ['offline' | 'connect' | 'reconnect' | 'error', number] | ['advance', number];

/** Feeds events stamped with the fake clock's time and advances it; returns when it gave up (ms after the start). */
async function run(afterMs: number, steps: Step[]): Promise<{ gaveUpAt: number | undefined; downForMs: number; pending: number }> {
  const clock = new FakeClock(0);
  let gaveUpAt: number | undefined;
  const watch = new GiveUpWatch(clock, afterMs, () => (gaveUpAt = clock.now()));
  for (const [kind, value] of steps) {
    if (kind === 'advance') await clock.advanceTo(value);
    else {
      await clock.advanceTo(value);
      watch.handle({ event: kind, at: clock.now() });
    }
  }
  const pending = clock.pending;
  watch.stop();
  return { gaveUpAt, downForMs: watch.downForMs, pending };
}

describe('GiveUpWatch (fake clock)', () => {
  it.each<[string, number, Step[], number | undefined]>([
    ['never connected-then-lost: nothing to give up on', 1000, [['advance', 10_000]], undefined],
    ['lost and never back: at offline + limit', 1000, [['connect', 0], ['offline', 500], ['advance', 10_000]], 1500],
    ['back in time: no give-up', 1000, [['connect', 0], ['offline', 500], ['connect', 1499], ['advance', 10_000]], undefined],
    ['reconnect attempts and errors do not reset the count', 1000, [['connect', 0], ['offline', 100], ['reconnect', 600], ['error', 900], ['advance', 5000]], 1100],
    ['a second outage counts from its own start', 1000, [['connect', 0], ['offline', 100], ['connect', 1000], ['offline', 3000], ['advance', 10_000]], 4000],
    ['a repeated offline does not restart the count', 1000, [['connect', 0], ['offline', 100], ['offline', 800], ['advance', 10_000]], 1100],
  ])('%s', async (_name, afterMs, steps, expected) => {
    const { gaveUpAt, downForMs } = await run(afterMs, steps);
    expect(gaveUpAt).toBe(expected);
    if (expected !== undefined) expect(downForMs).toBe(afterMs);
  });

  it('gives up once, and stop() leaves no timer behind', async () => {
    const clock = new FakeClock(0);
    let calls = 0;
    const watch = new GiveUpWatch(clock, 100, () => calls++);
    watch.handle({ event: 'offline', at: 0 });
    expect(clock.pending).toBe(1);
    await clock.advanceTo(1000);
    watch.handle({ event: 'connect', at: 1000 });
    watch.handle({ event: 'offline', at: 1000 });
    await clock.advanceTo(5000);
    expect(calls).toBe(1);
    expect(watch.gaveUp).toBe(true);
    const other = new GiveUpWatch(clock, 100, () => calls++);
    other.handle({ event: 'offline', at: clock.now() });
    other.stop();
    expect(clock.pending).toBe(0);
    await clock.advanceTo(10_000);
    expect(calls).toBe(1);
  });
});
