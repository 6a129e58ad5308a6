import type { Clock } from '../../io/clock.js';

/** Gaps longer than this are bridged by interruptible naps first (Ctrl+C during a slow profile). */
const SLEEP_SLICE_MS = 1000;

/**
 * The replay loop's stop flag and its one wake-up call. The loop waits for a planned instant,
 * for room in the in-flight window or for the drain; a finished message, an abort or a log
 * failure wakes it so it looks again. All waiting goes through the injected clock.
 */
export class LoopControl {
  stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  stop(): void {
    this.stopped = true;
    this.wakeUp();
  }

  /** Ends the current wait, if any. */
  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Stops when the signal aborts (at once if it has); returns a function that stops listening. */
  stopOn(signal: AbortSignal | undefined): () => void {
    if (!signal) return () => {};
    const onAbort = (): void => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) this.stopped = true;
    return () => signal.removeEventListener('abort', onAbort);
  }

  /** Resolves at the next wakeUp(). */
  nextWake(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** Resolves at about `at`, or earlier at the next wakeUp(). */
  napUntil(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        cancel();
        resolve();
      };
      const cancel = this.clock.setTimer(at, () => {
        if (this.wake === done) this.wake = undefined;
        resolve();
      });
      this.wake = done;
    });
  }

  /**
   * Waits until `at`; false when stopped first. Naps only bridge long gaps (a stop ends them);
   * the precise last stretch is the clock's sleepUntil.
   */
  async waitUntil(at: number): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      const left = at - this.clock.now();
      if (left <= 0) return true;
      if (left > SLEEP_SLICE_MS) await this.napUntil(at - SLEEP_SLICE_MS / 2);
      else {
        await this.clock.sleepUntil(at);
        return !this.stopped;
      }
    }
  }
}
