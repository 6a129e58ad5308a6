import { existsSync, statSync } from 'node:fs';
import { csvLine } from '../../core/csv/csv.js';
import { EVENT_COLUMNS, type ConnectionEvent } from '../../core/records.js';
import { BufferedFileWriter } from '../output/buffered-file-writer.js';

/**
 * Connection events (connect with session-present, offline, reconnect, broker stop/start) as
 * CSV with EVENT_COLUMNS. Events are rare and matter most when things go wrong, so each is
 * flushed at once.
 */
export class EventsWriter {
  private readonly writer: BufferedFileWriter;
  private closed = false;

  constructor(path: string, options: { append?: boolean } = {}) {
    const hasHeader = Boolean(options.append) && existsSync(path) && statSync(path).size > 0;
    this.writer = new BufferedFileWriter(path, { append: Boolean(options.append), flushIntervalMs: 0 });
    if (!hasHeader) this.writer.write(csvLine([...EVENT_COLUMNS]));
    this.writer.flush();
  }

  get path(): string {
    return this.writer.path;
  }

  /**
   * Writes one event. After close() events are dropped: a client's last events (its socket's
   * close, a CONNACK racing the end) can come after the run's files are finished, and belong to
   * no run.
   */
  write(event: ConnectionEvent): void {
    if (this.closed) return;
    this.writer.write(csvLine([event.at.toFixed(3), event.source, event.event, event.sessionPresent === undefined ? '' : event.sessionPresent, event.detail ?? '']));
    this.writer.flush();
  }

  close(): void {
    this.closed = true;
    this.writer.close();
  }
}
