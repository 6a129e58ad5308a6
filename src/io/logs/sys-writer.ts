import { csvLine } from '../../core/csv/csv.js';
import { SYS_COLUMNS } from '../../core/sys/sys-value.js';
import { BufferedFileWriter } from '../output/buffered-file-writer.js';
import type { Clock } from '../clock.js';

/**
 * broker.sys.csv: one row per `$SYS` message (`at,topic,value`), `at` in epoch ms with 3
 * decimals like every log, the payload as UTF-8 text. Flushed on a timer like a trace; close()
 * leaves the file whole, and rows that come after it (a late message) are dropped.
 */
export class SysWriter {
  private readonly writer: BufferedFileWriter;
  private closed = false;

  constructor(path: string, options: { flushIntervalMs?: number; clock?: Clock; onError?: (error: unknown) => void } = {}) {
    this.writer = new BufferedFileWriter(path, {
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.writer.write(csvLine([...SYS_COLUMNS]));
    this.writer.flush();
  }

  get path(): string {
    return this.writer.path;
  }

  write(at: number, topic: string, value: string): void {
    if (this.closed) return;
    this.writer.write(csvLine([at.toFixed(3), topic, value]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
  }
}
