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
  /**
   * Calls `fn` once, at (or after) the given epoch ms, from a timer (never a spin); returns a
   * function that cancels it. Naps, progress ticks and idle limits go through here, so a fake
   * clock drives them in tests.
   */
  setTimer(at: number, fn: () => void): () => void;
}

/**
 * The process's start as an epoch instant with sub-millisecond precision. (Date.now() − performance.now()
 * was off by up to 1 ms per process, Date.now() being whole milliseconds: a recorder and a replayer in
 * two processes disagreed by that much, and latencies of a fraction of a millisecond came out negative.)
 */
const origin = performance.timeOrigin;

/**
 * The longest delay setTimeout takes (2^31 − 1 ms, 24.8 days). Above it Node warns
 * (TimeoutOverflowWarning) and fires after 1 ms instead, so a far-off instant — a profile gap
 * of a month, `at: 999999h` — became a 1 ms timer firing over and over, a warning each time.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The next timer towards an instant `leftMs` away: the whole wait when a timer can hold it
 * (`final`), else the longest slice, after which the caller looks again. Never negative, never
 * over MAX_TIMER_MS; an unknowable wait (NaN) is no wait.
 */
export function timerSlice(leftMs: number): { delayMs: number; final: boolean } {
  if (!(leftMs > 0)) return { delayMs: 0, final: true };
  if (leftMs > MAX_TIMER_MS) return { delayMs: MAX_TIMER_MS, final: false };
  return { delayMs: leftMs, final: true };
}

/** Above this, a timer (they fire up to ~1 ms late, sometimes early); below, a blocking wait. */
const TIMER_MARGIN_MS = 2;

/**
 * The last stretch of a sleep, blocking the thread without using the CPU: Atomics.wait is a futex
 * wait with a sub-millisecond timeout, where a timer rounds to whole milliseconds. It used to be a
 * spin, which kept a core busy for the whole run at 1000 msg/s (and a third of one at 200 msg/s);
 * the futex wakes 0.05–0.1 ms late (the kernel's timer slack) for 2–4 % of a core.
 */
const parked = new Int32Array(new SharedArrayBuffer(4));

function blockUntil(at: number, now: () => number): void {
  for (let left = at - now(); left > 0; left = at - now()) Atomics.wait(parked, 0, 0, left);
}

export const systemClock: Clock = {
  now: () => origin + performance.now(),
  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const tick = (): void => {
        const left = at - systemClock.now();
        // Far off: a slice at a time (timerSlice), looking again after each.
        if (left > TIMER_MARGIN_MS) setTimeout(tick, timerSlice(left - TIMER_MARGIN_MS).delayMs);
        else {
          blockUntil(at, systemClock.now);
          resolve();
        }
      };
      // Always one event-loop turn first, even when the gap is shorter than a timer: MQTT.js corks
      // the socket until the next tick, and a caller that only ever blocks never leaves the
      // microtask queue, so its packets were held back (at 1000 msg/s ~650 of them, 16 KB, until
      // the socket reported backpressure and the in-flight window forced a real wait).
      setImmediate(tick);
    });
  },
  setTimer(at: number, fn: () => void): () => void {
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      const slice = timerSlice(at - systemClock.now());
      timer = setTimeout(slice.final ? fn : arm, slice.delayMs);
    };
    arm();
    return () => clearTimeout(timer);
  },
};

/** Resolves with true when `promise` settles within `ms` (on the clock), false when the time ran out. */
export async function settlesWithin(clock: Clock, ms: number, promise: Promise<unknown>): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const timeout = new Promise<false>((resolve) => (cancel = clock.setTimer(clock.now() + ms, () => resolve(false))));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    cancel?.();
  }
}
