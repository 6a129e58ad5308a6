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

  /** In time order: a late reading (event time, `late: correct`) goes to its place, equal times after. */
  add(at: number, value: number): void {
    let i = this.samples.length;
    while (i > 0 && this.samples[i - 1]!.at > at) i--;
    if (i === this.samples.length) this.samples.push({ at, value });
    else this.samples.splice(i, 0, { at, value });
    this.trim(at);
  }

  /** Drops readings that fell out of the window as of `now` (a `now` before the newest reading drops no more than it may). */
  trim(now: number): void {
    const { count, durationMs } = this.spec;
    let drop = 0;
    const upTo = this.endAt(now);
    if (count !== undefined && upTo > count) drop = upTo - count;
    if (durationMs !== undefined) while (drop < this.samples.length && this.samples[drop]!.at < now - durationMs) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }

  /** How many readings are at or before `now` (they are in time order). */
  private endAt(now: number): number {
    let end = this.samples.length;
    while (end > 0 && this.samples[end - 1]!.at > now) end--;
    return end;
  }

  get size(): number {
    return this.samples.length;
  }

  /**
   * avg, min, max, sum, count, first, last, span (ms), rate (change per second from first to
   * last) of the window as of `now`: readings after `now` (a correction's view) left out.
   */
  aggregates(now: number): Variables {
    const end = this.endAt(now);
    const { count, durationMs } = this.spec;
    let start = count !== undefined ? Math.max(0, end - count) : 0;
    if (durationMs !== undefined) while (start < end && this.samples[start]!.at < now - durationMs) start++;
    const samples = end === this.samples.length && start === 0 ? this.samples : this.samples.slice(start, end);
    const n = samples.length;
    if (n === 0) return { count: 0 };
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of samples) {
      sum += s.value;
      if (s.value < min) min = s.value;
      if (s.value > max) max = s.value;
    }
    const first = samples[0]!;
    const last = samples[n - 1]!;
    const span = last.at - first.at;
    return { count: n, sum, avg: sum / n, min, max, first: first.value, last: last.value, span, rate: span > 0 ? ((last.value - first.value) * 1000) / span : 0 };
  }
}
