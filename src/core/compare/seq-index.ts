import type { SentTable } from './sent-table.js';

/**
 * seq → first sent index with it. Replay numbers 1, 2, 3 ...: a dense table (4 bytes a
 * message) instead of a Map (tens of bytes an entry, and hashing); sparse or odd numbers
 * fall back to the Map.
 */
export class SeqIndex {
  private readonly table: Int32Array | undefined;
  private readonly base: number = 0;
  private readonly map = new Map<number, number>();

  constructor(sent: SentTable) {
    let min = Infinity;
    let max = -Infinity;
    let whole = true;
    for (let i = 0; i < sent.length; i++) {
      const seq = sent.seq[i]!;
      if (!Number.isInteger(seq)) whole = false;
      if (seq < min) min = seq;
      if (seq > max) max = seq;
    }
    if (whole && sent.length > 0 && max - min < 4 * sent.length + 1024) {
      this.base = min;
      const table = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < sent.length; i++) {
        const k = sent.seq[i]! - min;
        if (table[k] === -1) table[k] = i;
      }
      this.table = table;
    } else {
      for (let i = 0; i < sent.length; i++) if (!this.map.has(sent.seq[i]!)) this.map.set(sent.seq[i]!, i);
    }
  }

  /** -1 when no message has it. */
  get(seq: number): number {
    if (this.table) {
      const k = seq - this.base;
      return Number.isInteger(k) && k >= 0 && k < this.table.length ? this.table[k]! : -1;
    }
    return this.map.get(seq) ?? -1;
  }
}
