/**
 * How a long-running recorder stops: the first reason wins (a count reached while Ctrl+C comes in
 * is stopped by count), a fatal error is kept (the first one) and stops with `failReason`, and
 * whoever waits on `stopped` wakes once, after the stop actions ran.
 */
export class StopLatch<Reason extends string> {
  private stopReason: Reason | undefined;
  private firstError: { error: unknown } | undefined;
  private readonly actions: Array<() => void> = [];
  private wake: () => void = () => {};
  /** Resolves at the first stop(). */
  readonly stopped: Promise<void> = new Promise((resolve) => (this.wake = resolve));

  constructor(private readonly failReason: Reason) {}

  /**
   * Runs at the first stop, in order, before `stopped` resolves (e.g. "flush the rows"). An action
   * that throws makes its error the fatal one; the others still run.
   */
  onStop(action: () => void): void {
    this.actions.push(action);
  }

  get stopping(): boolean {
    return this.stopReason !== undefined;
  }

  /** Why it stopped (undefined while running). */
  get reason(): Reason | undefined {
    return this.stopReason;
  }

  /** The first fatal error, if any: `{ error }` so that even `undefined` thrown counts. */
  get fatal(): { error: unknown } | undefined {
    return this.firstError;
  }

  stop(reason: Reason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    for (const action of this.actions) {
      try {
        action();
      } catch (error) {
        this.keep(error);
      }
    }
    this.wake();
  }

  /** A fatal error: kept (unless one came first) and the recorder stops. */
  fail(error: unknown): void {
    this.keep(error);
    this.stop(this.failReason);
  }

  /** Keeps an error that happened while stopping without changing the reason. */
  keep(error: unknown): void {
    this.firstError ??= { error };
  }
}
