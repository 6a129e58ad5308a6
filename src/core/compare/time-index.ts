import type { SentTable } from './sent-table.js';

/**
 * Sent messages by (name, profile time): per name id, entries ordered by time then index, in
 * typed arrays (12 bytes an entry, no per-key objects or strings). Profile times travel as epoch
 * seconds with 3 decimals in plain payloads and as ms with 3 decimals in the sent log: whole
 * milliseconds are what both sides agree on, so times are keyed rounded.
 */
export class TimeIndex {
  private readonly start: Int32Array;
  private readonly times: Float64Array;
  private readonly indices: Int32Array;

  constructor(sent: SentTable, idOf: (i: number) => number) {
    const ids = sent.names.names.length;
    const n = sent.length;
    this.start = new Int32Array(ids + 1);
    for (let i = 0; i < n; i++) this.start[idOf(i) + 1]!++;
    for (let id = 0; id < ids; id++) this.start[id + 1]! += this.start[id]!;
    const next = this.start.slice(0, ids);
    this.times = new Float64Array(n);
    this.indices = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = next[idOf(i)]!++;
      this.times[k] = Math.round(sent.profileTime[i]!);
      this.indices[k] = i;
    }
    // A sent log is in time order already; anything else is sorted per name (ties by index).
    for (let id = 0; id < ids; id++) this.sortGroup(this.start[id]!, this.start[id + 1]!);
  }

  private sortGroup(from: number, to: number): void {
    let sorted = true;
    for (let k = from + 1; k < to && sorted; k++) if (this.times[k]! < this.times[k - 1]!) sorted = false;
    if (sorted) return;
    const times = this.times.slice(from, to);
    const indices = this.indices.slice(from, to);
    const order = Array.from({ length: to - from }, (_, k) => k).sort((a, b) => times[a]! - times[b]! || indices[a]! - indices[b]!);
    order.forEach((k, j) => {
      this.times[from + j] = times[k]!;
      this.indices[from + j] = indices[k]!;
    });
  }

  /**
   * The first of the name's messages at that time not yet delivered; when all are, the first of
   * them (the arrival is its duplicate). -1 when none has that name and time.
   */
  take(id: number, time: number, delivered: Uint8Array): number {
    if (id < 0 || id + 1 >= this.start.length) return -1;
    const key = Math.round(time);
    let lo = this.start[id]!;
    let hi = this.start[id + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    const end = this.start[id + 1]!;
    if (lo >= end || this.times[lo] !== key) return -1;
    for (let k = lo; k < end && this.times[k] === key; k++) if (delivered[this.indices[k]!] === 0) return this.indices[k]!;
    return this.indices[lo]!;
  }
}
