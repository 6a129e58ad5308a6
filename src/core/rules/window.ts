import type { Variables } from '../expression/evaluate.js';
import type { WindowSpec } from './rule-set.js';

interface Sample {
  at: number;
  value: number;
}

/**
 * A sliding window of numeric readings (last N, last T ms, or both: whichever is smaller).
 * Aggregates are recomputed per event: windows are meant to be tens to thousands of readings.
 */
export class SlidingWindow {
  private samples: Sample[] = [];

  constructor(private readonly spec: WindowSpec) {}

  add(at: number, value: number): void {
    this.samples.push({ at, value });
    this.trim(at);
  }

  /** Drops readings that fell out of the window as of `now`. */
  trim(now: number): void {
    const { count, durationMs } = this.spec;
    let drop = 0;
    if (count !== undefined && this.samples.length > count) drop = this.samples.length - count;
    if (durationMs !== undefined) while (drop < this.samples.length && this.samples[drop]!.at < now - durationMs) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  get size(): number {
    return this.samples.length;
  }

  /** avg, min, max, sum, count, first, last, span (ms), rate (change per second from first to last). */
  aggregates(): Variables {
    const n = this.samples.length;
    if (n === 0) return { count: 0 };
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of this.samples) {
      sum += s.value;
      if (s.value < min) min = s.value;
      if (s.value > max) max = s.value;
    }
    const first = this.samples[0]!;
    const last = this.samples[n - 1]!;
    const span = last.at - first.at;
    return { count: n, sum, avg: sum / n, min, max, first: first.value, last: last.value, span, rate: span > 0 ? ((last.value - first.value) * 1000) / span : 0 };
  }
}
