/**
 * Event time for one rule (`time: event`): the rule sees its events in the order of the
 * readings' own times, released by a watermark.
 *
 * - The watermark trails the newest event time seen by the allowed lateness:
 *   `watermark = newest − lateness` (−∞ before the first event). It never goes back.
 * - An event whose time is before the watermark is late (an event exactly at the watermark is
 *   on time); the rule's `late` policy decides what becomes of it.
 * - An on-time event is held until the watermark reaches its time, then released: held events
 *   come out in time order, equal times in arrival order. With lateness 0 an in-order event is
 *   released at once.
 * - `flush()` releases everything held (the stream ended): the watermark jumps to the newest time.
 */
export class EventTimeQueue<T> {
  private newest = Number.NEGATIVE_INFINITY;
  private held: Array<{ time: number; order: number; item: T }> = [];
  private order = 0;

  constructor(
    readonly latenessMs: number,
    /** Bounds memory: past this many held events, the oldest are released early. */
    private readonly maxHeld = 100_000,
  ) {}

  get watermark(): number {
    return this.newest - this.latenessMs;
  }

  get heldCount(): number {
    return this.held.length;
  }

  isLate(time: number): boolean {
    return time < this.watermark;
  }

  /**
   * An on-time event (the caller asked isLate first): held, then everything the new watermark
   * passes is returned in time order.
   */
  offer(time: number, item: T): Array<{ time: number; item: T }> {
    if (time > this.newest) this.newest = time;
    const entry = { time, order: this.order++, item };
    // Binary search for the first held event with a later time: equal times keep arrival order.
    let lo = 0;
    let hi = this.held.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.held[mid]!.time <= time) lo = mid + 1;
      else hi = mid;
    }
    this.held.splice(lo, 0, entry);
    return this.release(this.watermark, this.held.length - this.maxHeld);
  }

  /** Everything held, in time order; the watermark moves up to the newest time. */
  flush(): Array<{ time: number; item: T }> {
    if (this.newest > Number.NEGATIVE_INFINITY) this.newest += this.latenessMs;
    return this.release(Number.POSITIVE_INFINITY, 0);
  }

  private release(upTo: number, atLeast: number): Array<{ time: number; item: T }> {
    let n = 0;
    while (n < this.held.length && (n < atLeast || this.held[n]!.time <= upTo)) n++;
    if (n === 0) return [];
    return this.held.splice(0, n).map(({ time, item }) => ({ time, item }));
  }
}
