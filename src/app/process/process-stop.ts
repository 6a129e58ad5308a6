import type { Clock } from '../../io/clock.js';

export type StopReason = 'signal' | 'count' | 'duration';

/**
 * When and why the processor stops: the first of abort, count or duration wins. An output that
 * cannot be written also stops it (as 'signal'); that error is kept and rethrown after cleanup.
 */
export class ProcessStop {
  stopping = false;
  stoppedBy: StopReason = 'signal';
  /** The first error a guarded body threw. */
  failure: { error: unknown } | undefined;
  readonly stopped: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.stopped = new Promise<void>((resolve) => (this.resolve = resolve));
  }

  finish(why: StopReason): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stoppedBy = why;
    this.resolve();
  }

  /** Runs `body`; an error it throws stops the processor and is kept for after the cleanup. */
  guard(body: () => void): void {
    try {
      body();
    } catch (error) {
      this.failure ??= { error };
      this.finish('signal');
    }
  }

  /** Stops on abort (also one that already happened) and after `durationMs`; returns what undoes both. */
  watch(signal: AbortSignal | undefined, clock: Clock, durationMs: number | undefined): () => void {
    const onAbort = (): void => this.finish('signal');
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const cancel = durationMs === undefined ? undefined : clock.setTimer(clock.now() + durationMs, () => this.finish('duration'));
    return () => {
      signal?.removeEventListener('abort', onAbort);
      cancel?.();
    };
  }
}
