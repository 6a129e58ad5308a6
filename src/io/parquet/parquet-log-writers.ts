/**
 * `trace -o x.parquet` and `replay --log x.parquet`: the log's rows go both to a CSV journal
 * (journalPathFor: the CSV writer as it is, with its flushes, so write-before-ack and the sent
 * log's hand-over order hold exactly as for CSV) and to Parquet row groups. A clean close —
 * also on SIGINT/SIGTERM — writes the Parquet footer and removes the journal; after a crash the
 * journal is the readable copy (compare reads it like any CSV log).
 */
import { rmSync } from 'node:fs';
import { optionError } from '../../core/errors.js';
import type { SentRecord, TraceRecord } from '../../core/records.js';
import { formatNumber } from '../../core/mqtt/payload.js';
import { SentLogWriter, type SentLogWriterOptions } from '../logs/sent-log-writer.js';
import { TraceWriter, type TraceWriterOptions } from '../logs/trace-writer.js';
import { ParquetRowWriter } from './parquet-row-writer.js';
import { isParquetPath, journalPathFor, microsOf, SENT_PARQUET_COLUMNS, SENT_PARQUET_CONNECTION_COLUMN, TRACE_PARQUET_COLUMNS } from './parquet-schema.js';

const micros = (ms: number | undefined): number | null => (ms === undefined ? null : microsOf(ms));
/** INT64 cells are bigints; a seq beyond 2^53 (no replayer numbers so far) is left out. */
const int64 = (n: number | undefined): bigint | null => (n !== undefined && Number.isSafeInteger(n) ? BigInt(n) : null);

/** Parquet files are closed by their footer: nothing can be added to one. */
function refuseAppend(path: string, option: 'append' | 'resume'): void {
  throw optionError(option, `cannot add to a Parquet file (${path}): its footer closes it; write a new file and give compare both`);
}

export function traceParquetCells(r: TraceRecord): Array<number | bigint | string | boolean | Uint8Array | null> {
  // The CSV keeps values with at most 6 decimals (formatNumber): Parquet keeps the same number.
  const value = r.value === undefined ? null : Number(formatNumber(r.value));
  return [micros(r.receivedAt), r.topic, r.qos, r.retain, r.dup, r.payload, int64(r.seq), r.sensor ?? null, micros(r.profileTime), value, micros(r.publishedAt), r.latencyMs === undefined ? null : Number(r.latencyMs.toFixed(3))];
}

export function sentParquetCells(r: SentRecord, connectionColumn = false): Array<number | bigint | string | boolean | null> {
  const cells = [int64(r.seq), r.sensor, r.topic, r.qos, r.retain, microsOf(r.profileTime), Number.isFinite(r.value) ? r.value : null, microsOf(r.plannedAt), micros(r.publishedAt), micros(r.ackedAt), r.payload];
  if (connectionColumn) cells.push(r.connection ?? null);
  return cells;
}

export class ParquetTraceWriter extends TraceWriter {
  private readonly parquet: ParquetRowWriter;

  constructor(path: string, options: TraceWriterOptions = {}) {
    if (options.append) refuseAppend(path, 'append');
    if (options.jsonl) throw optionError('jsonl', 'a .parquet output is Parquet, not JSON lines');
    super(journalPathFor(path), options);
    try {
      this.parquet = new ParquetRowWriter(path, TRACE_PARQUET_COLUMNS);
    } catch (error) {
      super.close();
      throw error;
    }
  }

  override get path(): string {
    return this.parquet.path;
  }

  override write(record: TraceRecord): void {
    super.write(record);
    this.parquet.add(traceParquetCells(record));
  }

  override close(): void {
    super.close();
    this.parquet.close();
    rmSync(journalPathFor(this.parquet.path), { force: true });
  }
}

export class ParquetSentLogWriter extends SentLogWriter {
  private readonly parquet: ParquetRowWriter;

  constructor(path: string, options: SentLogWriterOptions = {}) {
    if (options.append) refuseAppend(path, 'resume');
    const withConnection = Boolean(options.connectionColumn);
    const parquet = new ParquetRowWriter(path, withConnection ? [...SENT_PARQUET_COLUMNS, SENT_PARQUET_CONNECTION_COLUMN] : SENT_PARQUET_COLUMNS);
    // The QoS 2 hand-over mark serves --resume only, which a Parquet log refuses.
    try {
      super(journalPathFor(path), { ...options, handedOverMark: false, onRow: (record) => parquet.add(sentParquetCells(record, withConnection)) });
    } catch (error) {
      parquet.close();
      rmSync(path, { force: true });
      throw error;
    }
    this.parquet = parquet;
  }

  override get path(): string {
    return this.parquet.path;
  }

  override close(): void {
    super.close();
    this.parquet.close();
    rmSync(journalPathFor(this.parquet.path), { force: true });
  }
}

/** The trace writer for a path: Parquet by extension, else CSV / JSON lines. */
export function openTraceWriter(path: string, options: TraceWriterOptions = {}): TraceWriter {
  return isParquetPath(path) ? new ParquetTraceWriter(path, options) : new TraceWriter(path, options);
}

/** The sent-log writer for a path: Parquet by extension, else CSV. */
export function openSentLogWriter(path: string, options: SentLogWriterOptions = {}): SentLogWriter {
  return isParquetPath(path) ? new ParquetSentLogWriter(path, options) : new SentLogWriter(path, options);
}
