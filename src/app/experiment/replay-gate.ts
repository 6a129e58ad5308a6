import type { PublishGate } from '../replay/replay-types.js';

/**
 * The experiment's gate in the replay's pacing loop (replay's `gate` option). Closed at planned
 * moments ahead of time (a cut before a broker stop, a client's return), it holds every row
 * planned after the earliest closed moment until the experiment opens it, however late the
 * process runs: which burst falls before or after the moment is the profile's, not the timers'.
 */
export class ReplayGate implements PublishGate {
  /** Closed moments, earliest first. */
  private closed: number[] = [];
  private first = Number.POSITIVE_INFINITY;
  private opened: Promise<void> | undefined;
  private openNow: () => void = () => undefined;
  /** The planned time of the row waiting at the gate; undefined while none waits. */
  private waitingAt: number | undefined;
  private done = false;
  private watchers: Array<() => void> = [];

  hold(plannedAt: number): Promise<void> | undefined {
    if (plannedAt <= this.first) return undefined;
    if (this.waitingAt !== plannedAt) {
      this.waitingAt = plannedAt;
      this.notify();
    }
    this.opened ??= new Promise<void>((resolve) => (this.openNow = resolve));
    return this.opened;
  }

  ended(): void {
    this.done = true;
    this.notify();
  }

  /** From now on rows planned after `at` wait (until open(at)). */
  close(at: number): void {
    if (this.closed.includes(at)) return;
    this.closed = [...this.closed, at].sort((a, b) => a - b);
    this.first = this.closed[0]!;
  }

  /** Lets the rows held for `at` go (those held for a later closed moment still wait). */
  open(at: number): void {
    if (!this.closed.includes(at)) return;
    this.closed = this.closed.filter((c) => c !== at);
    this.first = this.closed[0] ?? Number.POSITIVE_INFINITY;
    const openNow = this.openNow;
    this.opened = undefined;
    this.waitingAt = undefined;
    openNow();
  }

  /** Whether `at` is closed. */
  isClosed(at: number): boolean {
    return this.closed.includes(at);
  }

  /** Every row planned at or before `at` is handed over: the loop waits at the gate past it, or has ended. */
  hasReached(at: number): boolean {
    return this.done || (this.waitingAt !== undefined && this.waitingAt > at);
  }

  /** Resolves once hasReached(at), or at once when it has. */
  reached(at: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.hasReached(at)) return;
        this.watchers = this.watchers.filter((w) => w !== check);
        resolve();
      };
      this.watchers.push(check);
      check();
    });
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}
