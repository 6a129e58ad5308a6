import type { Clock } from '../../src/io/clock.js';

/**
 * A clock that moves only when the test says so. Sleeps and timers resolve in time order as
 * `advanceTo`/`advanceBy` pass their instants; between them, pending promise work runs, so code
 * awaiting a sleep sees the new time before the next timer fires.
 */
export class FakeClock implements Clock {
  private time: number;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 0;

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(at, resolve);
    });
  }

  setTimer(at: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.timers.push({ at, fn, id });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** How many sleeps and timers are waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /** The earliest instant something waits for, if anything does. */
  get nextAt(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  /** Moves time forward to `at`, firing every timer due on the way, earliest first. */
  async advanceTo(at: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = Math.max(this.time, due.at);
      due.fn();
    }
    this.time = Math.max(this.time, at);
    await settle();
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.time + ms);
  }

  /** Fires timers one at a time until nothing waits or `limit` is reached; returns the count. */
  async runAll(limit = 100_000): Promise<number> {
    let fired = 0;
    while (fired < limit) {
      await settle();
      const at = this.nextAt;
      if (at === undefined) break;
      await this.advanceTo(at);
      fired++;
    }
    return fired;
  }
}

/** Lets promise continuations (and one macrotask turn, for stream callbacks) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
