import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, systemClock, timerSlice } from '../../src/io/clock.js';

const DAY_MS = 86_400_000;

describe('timerSlice: far-off instants in slices setTimeout can hold', () => {
  it.each([
    [0, 0, true],
    [-5, 0, true],
    [Number.NaN, 0, true],
    [1.5, 1.5, true],
    [MAX_TIMER_MS, MAX_TIMER_MS, true],
    [MAX_TIMER_MS + 1, MAX_TIMER_MS, false],
    [30 * DAY_MS, MAX_TIMER_MS, false],
    [999_999 * 3_600_000, MAX_TIMER_MS, false],
    [Number.POSITIVE_INFINITY, MAX_TIMER_MS, false],
  ])('%d ms left → a %d ms timer, final %s', (left, delayMs, final) => {
    expect(timerSlice(left)).toEqual({ delayMs, final });
  });

  it('chained slices reach any instant in ceil(left / max) timers, each within the limit', () => {
    for (const total of [1, MAX_TIMER_MS, MAX_TIMER_MS + 1, 30 * DAY_MS, 400 * DAY_MS, 999_999 * 3_600_000]) {
      let left = total;
      let timers = 0;
      for (;;) {
        const slice = timerSlice(left);
        expect(slice.delayMs).toBeGreaterThanOrEqual(0);
        expect(slice.delayMs).toBeLessThanOrEqual(MAX_TIMER_MS);
        timers++;
        if (slice.final) break;
        left -= slice.delayMs;
      }
      expect(timers).toBe(Math.ceil(total / MAX_TIMER_MS));
    }
  });
});

describe('systemClock with a far-off instant', () => {
  it('setTimer 30 days and 999999 h away: no TimeoutOverflowWarning, nothing fires, cancel clears it', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    let fired = 0;
    try {
      const cancels = [30 * DAY_MS, 999_999 * 3_600_000].map((ahead) => systemClock.setTimer(systemClock.now() + ahead, () => fired++));
      // Without slicing, Node turns an overlong delay into 1 ms: a few loop turns would show it firing.
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const cancel of cancels) cancel();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).toEqual([]);
    expect(fired).toBe(0);
  });

  it('setTimer still fires a near instant', async () => {
    const fired = await new Promise<number>((resolve) => systemClock.setTimer(systemClock.now() + 5, () => resolve(systemClock.now())));
    expect(fired).toBeGreaterThan(0);
  });
});

describe('systemClock.sleepUntil: precise without busy-waiting', () => {
  it('300 sleeps 1 ms apart (a 1000 msg/s schedule) never end early and use well under half a core', async () => {
    // A spin for the last stretch used the whole core at this rate (CPU ≈ wall time); the futex
    // wait uses a few percent. CPU time of this process, not wall time, so a busy machine cannot fail it.
    const start = systemClock.now() + 20;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    let early = 0;
    for (let i = 0; i < 300; i++) {
      const at = start + i;
      await systemClock.sleepUntil(at);
      if (systemClock.now() < at) early++;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(early).toBe(0);
    expect(cpuMs / (performance.now() - wallBefore)).toBeLessThan(0.5);
  });
});
