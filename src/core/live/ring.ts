/**
 * A fixed-capacity ring of (time, value) points: pushing past the capacity forgets the oldest,
 * so a topic's history never grows. Typed arrays: 16 bytes a point, no allocation per push.
 */
export class PointRing {
  private readonly times: Float64Array;
  private readonly values: Float64Array;
  private start = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  push(at: number, value: number): void {
    const end = (this.start + this.length) % this.capacity;
    this.times[end] = at;
    this.values[end] = value;
    if (this.length < this.capacity) this.length++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** Replaces the newest point (sampling: one point per slot, the slot's last value wins). */
  replaceLast(at: number, value: number): void {
    if (this.length === 0) return this.push(at, value);
    const last = (this.start + this.length - 1) % this.capacity;
    this.times[last] = at;
    this.values[last] = value;
  }

  /** Points at or after `since`, oldest first, as [time, value] pairs. */
  since(since = Number.NEGATIVE_INFINITY): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < this.length; i++) {
      const k = (this.start + i) % this.capacity;
      if (this.times[k]! >= since) out.push([this.times[k]!, this.values[k]!]);
    }
    return out;
  }
}

/**
 * Arrivals per second over a sliding window, in one-second buckets: O(1) a message, O(window)
 * a read, whatever the message rate.
 */
export class RateCounter {
  private readonly counts: Float64Array;
  private readonly seconds: Float64Array;
  private first: number | undefined;

  constructor(readonly windowSeconds: number) {
    this.counts = new Float64Array(windowSeconds);
    this.seconds = new Float64Array(windowSeconds).fill(-1);
  }

  add(at: number, n = 1): void {
    const second = Math.floor(at / 1000);
    const k = second % this.windowSeconds;
    if (this.seconds[k] !== second) {
      this.seconds[k] = second;
      this.counts[k] = 0;
    }
    this.counts[k]! += n;
    if (this.first === undefined) this.first = at;
  }

  /** Messages a second over the window ending at `now` (or since the first arrival, if later). */
  rate(now: number): number {
    if (this.first === undefined) return 0;
    const nowSecond = Math.floor(now / 1000);
    const oldest = nowSecond - this.windowSeconds + 1;
    let sum = 0;
    for (let k = 0; k < this.windowSeconds; k++) {
      const s = this.seconds[k]!;
      if (s >= oldest && s <= nowSecond) sum += this.counts[k]!;
    }
    const from = Math.max(this.first, oldest * 1000);
    // At least one second: the first arrivals alone would otherwise read as a huge rate.
    const span = Math.max(1000, now - from);
    return (sum * 1000) / span;
  }

  /** Count per whole second over the window, oldest first, ending with the second of `now`. */
  perSecond(now: number): Array<[number, number]> {
    const nowSecond = Math.floor(now / 1000);
    const out: Array<[number, number]> = [];
    for (let s = nowSecond - this.windowSeconds + 1; s <= nowSecond; s++) {
      const k = ((s % this.windowSeconds) + this.windowSeconds) % this.windowSeconds;
      out.push([s * 1000, this.seconds[k] === s ? this.counts[k]! : 0]);
    }
    return out;
  }
}
