import type { Clock } from '../../io/clock.js';

/**
 * The idle limit (-W): stops when nothing arrived for `idleMs`. One timer, not one per message:
 * an arrival only notes the time, and the timer, when it fires, stops or waits again for what is
 * left of the quiet spell (re-arming a timer per message cost ~5% of a drain).
 */
export class IdleTimer {
  private lastActivity = 0;
  private cancel: (() => void) | undefined;
  private cancelled = false;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly onIdle: () => void,
  ) {}

  /** Something arrived (or the watch starts, at the subscription): the quiet spell starts again. */
  touch(): void {
    if (this.cancelled) return;
    this.lastActivity = this.clock.now();
    this.cancel ??= this.clock.setTimer(this.lastActivity + this.idleMs, this.check);
  }

  /** No more idle stop (the trace is ending). */
  stop(): void {
    this.cancelled = true;
    this.cancel?.();
    this.cancel = undefined;
  }

  private readonly check = (): void => {
    this.cancel = undefined;
    if (this.cancelled) return;
    const quietUntil = this.lastActivity + this.idleMs;
    if (this.clock.now() >= quietUntil) this.onIdle();
    else this.cancel = this.clock.setTimer(quietUntil, this.check);
  };
}

/** The duration limit (--duration): calls onEnd `durationMs` from now; returns the cancel. */
export function startDurationTimer(clock: Clock, durationMs: number, onEnd: () => void): () => void {
  return clock.setTimer(clock.now() + durationMs, onEnd);
}

/** Shared with process: the clock's bounded wait. */
export { settlesWithin } from '../../io/clock.js';
