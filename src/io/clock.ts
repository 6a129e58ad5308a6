import { performance } from 'node:perf_hooks';

/**
 * Time, injected: the scheduler and the recorders never read the system clock directly, so
 * tests drive them with a fake clock. now() is epoch ms with sub-millisecond resolution,
 * taken from the monotonic clock so it never steps backwards during a run.
 */
export interface Clock {
  now(): number;
  /** Resolves at (or just after) the given epoch ms. */
  sleepUntil(at: number): Promise<void>;
}

const origin = Date.now() - performance.now();

export const systemClock: Clock = {
  now: () => origin + performance.now(),
  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const tick = (): void => {
        const left = at - systemClock.now();
        // Timers can fire early (and run ~1 ms late): sleep until ~2 ms before, then spin.
        if (left > 2) setTimeout(tick, left - 2);
        else {
          while (systemClock.now() < at) {
            /* short spin for sub-millisecond accuracy */
          }
          resolve();
        }
      };
      tick();
    });
  },
};
