import type { Clock } from '../../io/clock.js';
import type { ReplayProgress } from './replay-types.js';

/** At most one report per this many ms from the sends themselves. */
const PROGRESS_EVERY_MS = 100;
/** A report at least this often, also while nothing is sent (an outage, a slow profile). */
const TICK_MS = 250;

/** The counts a report carries, read when it is made. */
export type ProgressCounts = Pick<ReplayProgress, 'sent' | 'published' | 'acknowledged' | 'queued' | 'dropped' | 'connected' | 'reconnects'>;

export interface ProgressPlan {
  /** Readings the whole replay will send; undefined when looping until stopped. */
  total?: number;
  /** Expected run time; undefined when it depends on the broker (--max). */
  expectedMs?: number;
}

/** Progress reports for the caller: throttled on sends, ticking on the clock between them. */
export class ProgressReporter {
  /** Elapsed time and rate count from here (moved to the loop's start once it is known). */
  startAt: number;
  private last = Number.NEGATIVE_INFINITY;
  private cancelTick: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly report: (progress: ReplayProgress) => void,
    private readonly counts: () => ProgressCounts,
    private readonly plan: ProgressPlan,
  ) {
    this.startAt = clock.now();
  }

  /** Starts the ticks. */
  start(): void {
    const arm = (at: number): void => {
      this.cancelTick = this.clock.setTimer(at, () => {
        arm(at + TICK_MS);
        this.tick();
      });
    };
    arm(this.clock.now() + TICK_MS);
  }

  stop(): void {
    this.cancelTick?.();
    this.cancelTick = undefined;
  }

  /** Reports unless one went out less than PROGRESS_EVERY_MS ago (force: always). */
  tick(force = false): void {
    const now = this.clock.now();
    if (!force && now - this.last < PROGRESS_EVERY_MS) return;
    this.last = now;
    this.report(this.progressAt(now));
  }

  private progressAt(now: number): ReplayProgress {
    const counts = this.counts();
    const elapsedMs = now - this.startAt;
    const rate = elapsedMs > 0 ? counts.published / (elapsedMs / 1000) : 0;
    const progress: ReplayProgress = { ...counts, elapsedMs, rate };
    const { total, expectedMs } = this.plan;
    if (total !== undefined) {
      progress.total = total;
      if (expectedMs !== undefined) progress.etaMs = Math.max(0, expectedMs - elapsedMs);
      else if (rate > 0) progress.etaMs = ((total - counts.published) / rate) * 1000;
    }
    return progress;
  }
}
