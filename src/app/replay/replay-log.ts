import { rmSync } from 'node:fs';
import { eventsPathFor, type ConnectionEvent, type SentRecord } from '../../core/records.js';
import type { Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { handedOverPathFor, SentLogWriter, type SentLogWriterOptions } from '../../io/logs/sent-log-writer.js';
import { isParquetPath } from '../../io/parquet/parquet-schema.js';

/** Opens the sent log's writer (CSV here; Parquet through ReplayLog.open). */
export type OpenSentLog = (path: string, options: SentLogWriterOptions) => SentLogWriter;

export interface ReplayLogOptions {
  /** Continue an existing log (a resumed run) at this seq. */
  resumeAt?: number;
  /** Keep the QoS 2 hand-over mark beside the log. */
  handedOverMark: boolean;
  /** The log cannot be written any more (a full disk): the replay should stop. */
  onFailure: () => void;
  /** Drives the sent log's timed flush. */
  clock?: Clock;
  /** Add the `connection` column (--connections N > 1). */
  connectionColumn?: boolean;
}

/**
 * The replay's sent log and its events file, opened (headers written) before connecting: an
 * unwritable log fails before anything is published. Records are written in seq order once
 * final (SentLogWriter); at QoS 2 the log is flushed, then the hand-over mark moved, before a
 * message goes to the client: after a SIGKILL, (last logged, mark] is what may have left
 * unlogged. A write failure is kept, not thrown into an MQTT.js callback: the replay ends with it.
 */
export class ReplayLog {
  /** The first write failure, if any. */
  failure: unknown;
  private readonly sent: SentLogWriter;
  private readonly events: EventsWriter;

  /**
   * The log for `path`: the Parquet writer (and hyparquet-writer, ≈40 ms of module loading) is
   * loaded only when the path asks for Parquet, so a CSV log's replay never pays for it.
   */
  static async open(path: string, options: ReplayLogOptions): Promise<ReplayLog> {
    if (!isParquetPath(path)) return new ReplayLog(path, options);
    const { openSentLogWriter } = await import('../../io/parquet/parquet-log-writers.js');
    return new ReplayLog(path, options, openSentLogWriter);
  }

  constructor(
    private readonly path: string,
    private readonly options: ReplayLogOptions,
    openWriter: OpenSentLog = (file, writerOptions) => new SentLogWriter(file, writerOptions),
  ) {
    const resuming = options.resumeAt !== undefined;
    this.sent = openWriter(path, { append: resuming, startSeq: options.resumeAt ?? 1, handedOverMark: options.handedOverMark, connectionColumn: Boolean(options.connectionColumn), onError: (failure) => this.fail(failure), ...(options.clock ? { clock: options.clock } : {}) });
    try {
      this.events = new EventsWriter(eventsPathFor(path), { append: resuming });
    } catch (error) {
      this.sent.close();
      throw error;
    }
  }

  get sentPath(): string {
    return this.sent.path;
  }

  get eventsPath(): string {
    return this.events.path;
  }

  event(event: ConnectionEvent): void {
    this.events.write(event);
  }

  /**
   * Before seqs up to `seq` go to the client: what is final is on disk, then the mark says they
   * may leave. False when the log cannot be written (kept as the failure; the replay stops).
   */
  handOver(seq: number): boolean {
    try {
      this.sent.flush();
      this.sent.markHandedOver(seq);
      return true;
    } catch (failure) {
      this.fail(failure);
      return false;
    }
  }

  complete(record: SentRecord): void {
    try {
      this.sent.complete(record);
    } catch (failure) {
      this.fail(failure);
    }
  }

  /** A seq this run never sends (another partition's). */
  skip(seq: number): void {
    try {
      this.sent.skip(seq);
    } catch (failure) {
      this.fail(failure);
    }
  }

  /** Writes what never became final, then closes both files. */
  finish(outstanding: SentRecord[]): void {
    this.sent.finish(outstanding);
    this.sent.close();
    this.events.close();
  }

  /** A fresh log of a run that never reached the broker would only say nothing happened. */
  discardIfFresh(): void {
    this.sent.close();
    this.events.close();
    if (this.options.resumeAt === undefined) for (const path of [this.path, handedOverPathFor(this.path), eventsPathFor(this.path)]) rmSync(path, { force: true });
  }

  private fail(failure: unknown): void {
    this.failure ??= failure;
    this.options.onFailure();
  }
}
