/**
 * Pacing error percentiles in bounded memory: a histogram with ~0.5 % relative precision,
 * so a 10-million-message replay costs a few kilobytes, not 80 MB of samples.
 */

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Errors are kept in microseconds; under 1 µs all land in bucket 0. */
const UNIT_MS = 0.001;

export interface PacingPercentiles {
  p50: number;
  p99: number;
  max: number;
}

export class PacingStats {
  private readonly buckets = new Map<number, number>();
  count = 0;
  max = 0;

  /** A send `errorMs` after (or, if negative, before) its planned time. */
  add(errorMs: number): void {
    const e = Math.abs(errorMs);
    this.count++;
    if (e > this.max) this.max = e;
    const units = e / UNIT_MS;
    const bucket = units < 1 ? 0 : 1 + Math.floor(Math.log(units) / LOG_GROWTH);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
  }

  /** The q-quantile (0..1), as the middle of its bucket; 0 with no samples. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.buckets.get(key)!;
      if (seen >= rank) {
        if (key === 0) return 0;
        const low = GROWTH ** (key - 1) * UNIT_MS;
        return Math.min(this.max, low * (1 + GROWTH) / 2);
      }
    }
    return this.max;
  }

  percentiles(): PacingPercentiles {
    return { p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.max };
  }
}

/** What the pacing loop records: each paced send's error and when it was planned. */
export interface PacingRecorder {
  /** `heldBack`: the send was held on purpose (an experiment's gate): its delay counts as the outage's. */
  add(errorMs: number, plannedAt: number, heldBack?: boolean): void;
}

/**
 * Pacing while connected, kept apart from the delay of sends that waited out an outage. A send
 * whose connection was down at some moment between its planned time and its send (down now, or
 * back only after it was planned) is late because of the outage, not because of the timer: a
 * run that rode out a 80 s restart would otherwise report "pacing p99 81335 ms".
 */
export class PacingSplit implements PacingRecorder {
  private down = false;
  private backAt = Number.NEGATIVE_INFINITY;

  /** Several connections (replay --connections) each follow their own link into shared statistics. */
  constructor(
    readonly connected = new PacingStats(),
    readonly outage = new PacingStats(),
  ) {}

  /** The connection closed. */
  wentDown(): void {
    this.down = true;
  }

  /** Connected again at `at` (epoch ms). */
  cameBack(at: number): void {
    this.down = false;
    this.backAt = at;
  }

  add(errorMs: number, plannedAt: number, heldBack = false): void {
    if (heldBack || this.down || this.backAt > plannedAt) this.outage.add(errorMs);
    else this.connected.add(errorMs);
  }
}
