import { existsSync, statSync } from 'node:fs';
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

  /** With `append`, rows go after an existing file's (its header kept). */
  constructor(path: string, options: { append?: boolean; flushIntervalMs?: number; clock?: Clock; onError?: (error: unknown) => void } = {}) {
    const hasHeader = Boolean(options.append) && existsSync(path) && statSync(path).size > 0;
    this.writer = new BufferedFileWriter(path, {
      append: Boolean(options.append),
      flushIntervalMs: options.flushIntervalMs ?? 1000,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    if (!hasHeader) this.writer.write(csvLine([...SYS_COLUMNS]));
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
