import type { ProfileRow } from '../../core/records.js';

/** One reading with the pass (0-based) it belongs to. */
export interface PassRow {
  row: ProfileRow;
  pass: number;
}

/** Reads one pass over the profile, in time order, in batches. */
export type ReadPass = () => AsyncIterable<ProfileRow[]> | Iterable<ProfileRow[]>;

/**
 * Readings over every pass, tagged with their pass, taken from batches: take() is synchronous
 * while the current batch lasts, so the publish loop awaits once per batch, not once per row.
 */
export class PassCursor {
  private readonly batches: AsyncGenerator<{ rows: ProfileRow[]; pass: number }>;
  private rows: ProfileRow[] = [];
  private at = 0;
  private pass = 0;
  done = false;

  /** `passes` 0 repeats until `stopped()` says so. */
  constructor(readPass: ReadPass, passes: number, stopped: () => boolean) {
    this.batches = (async function* () {
      for (let pass = 0; passes === 0 || pass < passes; pass++) {
        for await (const rows of readPass()) {
          if (stopped()) return;
          yield { rows, pass };
        }
        if (stopped()) return;
      }
    })();
  }

  /** The next row of the current batch; undefined when the batch is used up (call next()). */
  take(): PassRow | undefined {
    const row = this.rows[this.at];
    if (row === undefined) return undefined;
    this.at++;
    return { row, pass: this.pass };
  }

  /** The next row, reading the next batch first when needed; undefined at the end. */
  async next(): Promise<PassRow | undefined> {
    for (;;) {
      const item = this.take();
      if (item || this.done) return item;
      const next = await this.batches.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      this.rows = next.value.rows;
      this.pass = next.value.pass;
      this.at = 0;
    }
  }

  async close(): Promise<void> {
    this.done = true;
    await this.batches.return(undefined);
  }
}
