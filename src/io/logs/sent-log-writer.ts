import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { csvCell, csvLine } from '../../core/csv/csv.js';
import { inputError, optionError } from '../../core/errors.js';
import { isParquetPath } from '../parquet/parquet-schema.js';
import { SENT_COLUMNS, SENT_CONNECTION_COLUMN, type SentRecord } from '../../core/records.js';
import { BufferedFileWriter, type BufferedFileWriterOptions } from '../output/buffered-file-writer.js';
import { readCsvRecords } from '../csv/csv-file-reader.js';
import { firstLineOf } from './trace-writer.js';

function ms(value: number | undefined): string {
  return value === undefined ? '' : value.toFixed(3);
}

/** The last text cell escaped, per column: sensor and topic repeat on almost every row. */
class CellCache {
  private text = '';
  private cell = '';
  get(text: string): string {
    if (text !== this.text) {
      this.text = text;
      this.cell = csvCell(text);
    }
    return this.cell;
  }
}
const sensorCells = new CellCache();
const topicCells = new CellCache();

/** One row; the same text csvLine() gives, without a per-cell array and regex for the numbers. */
export function sentLogLine(r: SentRecord): string {
  const value = Number.isFinite(r.value) ? String(r.value) : '';
  return `${r.seq},${sensorCells.get(r.sensor)},${topicCells.get(r.topic)},${r.qos},${r.retain ? 1 : 0},${ms(r.profileTime)},${value},${ms(r.plannedAt)},${ms(r.publishedAt)},${ms(r.ackedAt)},${csvCell(r.payload)}\n`;
}

/** Beside the sent log: the highest seq handed to the MQTT client so far (what `--resume` must not trust the log alone for). */
export function handedOverPathFor(logPath: string): string {
  return `${logPath}.handed`;
}

export interface SentLogWriterOptions extends BufferedFileWriterOptions {
  /** First seq this writer will be handed (a resumed run continues the log's numbering). */
  startSeq?: number;
  /** Keep the hand-over mark file (`handedOverPathFor`), written before a seq is handed to the client. */
  handedOverMark?: boolean;
  /** Add the `connection` column (replay --connections N > 1). */
  connectionColumn?: boolean;
  /** Each record as it is written, in seq order (a second copy of the log: Parquet). */
  onRow?: (record: SentRecord) => void;
}

/** The header a sent log starts with. */
export function sentLogHeader(connectionColumn: boolean): string[] {
  return connectionColumn ? [...SENT_COLUMNS, SENT_CONNECTION_COLUMN] : [...SENT_COLUMNS];
}

/**
 * The replay's sent log (SENT_COLUMNS). A record is written once it is final (on the wire for
 * QoS 0, acknowledged for QoS 1/2, or given up at the end), in seq order: records that finish
 * early wait for the ones before them, so readers can rely on the order.
 */
export class SentLogWriter {
  private readonly writer: BufferedFileWriter;
  /** Final records waiting for an earlier seq; null: a seq this run skips (another --partition's). */
  private readonly waiting = new Map<number, SentRecord | null>();
  private readonly connectionColumn: boolean;
  private nextSeq: number;
  private markFd: number | undefined;
  private readonly markPath: string;
  private readonly onRow: ((record: SentRecord) => void) | undefined;

  constructor(path: string, options: SentLogWriterOptions = {}) {
    const hasHeader = Boolean(options.append) && existsSync(path) && statSync(path).size > 0;
    this.writer = new BufferedFileWriter(path, options);
    this.nextSeq = options.startSeq ?? 1;
    this.onRow = options.onRow;
    this.markPath = handedOverPathFor(path);
    this.connectionColumn = Boolean(options.connectionColumn);
    if (!hasHeader) this.writer.write(csvLine(sentLogHeader(this.connectionColumn)));
    // Written now, so an unwritable log (a full disk) fails before anything is published.
    this.writer.flush();
    // A mark left by an earlier run over this log would mislead a later --resume.
    if (!options.handedOverMark && !options.append) rmSync(this.markPath, { force: true });
    if (options.handedOverMark) {
      try {
        // Resuming: keep the earlier run's mark until we overwrite it in place. Truncating it here
        // would make a resume that fails before its first publish forget which seqs may have left.
        this.markFd = openSync(this.markPath, options.append && existsSync(this.markPath) ? 'r+' : 'w');
      } catch (error) {
        this.writer.close();
        throw error;
      }
    }
  }

  get path(): string {
    return this.writer.path;
  }

  /**
   * Records that seqs up to `seq` are about to be handed to the client. Synchronous, in place:
   * after a SIGKILL the file tells `--resume` which seqs may have left without being logged.
   */
  markHandedOver(seq: number): void {
    if (this.markFd === undefined) return;
    const text = `${String(seq).padStart(16, ' ')}\n`;
    writeSync(this.markFd, text, 0, 'utf8');
  }

  /** Hands over a finished record; it is written as soon as every earlier seq is. */
  complete(record: SentRecord): void {
    // In order (always at QoS 0, nearly always at 1/2): straight through, no map.
    if (record.seq === this.nextSeq && this.waiting.size === 0) {
      this.writeRow(record);
      this.nextSeq++;
      return;
    }
    this.waiting.set(record.seq, record);
    this.writeWaiting();
  }

  /** A seq this run will never send (another partition's): later ones need not wait for it. */
  skip(seq: number): void {
    if (seq === this.nextSeq && this.waiting.size === 0) {
      this.nextSeq++;
      return;
    }
    this.waiting.set(seq, null);
    this.writeWaiting();
  }

  private writeWaiting(): void {
    for (let next = this.waiting.get(this.nextSeq); next !== undefined; next = this.waiting.get(this.nextSeq)) {
      this.waiting.delete(this.nextSeq);
      if (next) this.writeRow(next);
      this.nextSeq++;
    }
  }

  private line(record: SentRecord): string {
    if (!this.connectionColumn) return sentLogLine(record);
    const text = sentLogLine(record);
    return `${text.slice(0, -1)},${record.connection ?? ''}\n`;
  }

  /** Writes whatever is still waiting (gaps and all), in seq order. */
  finish(unfinished: Iterable<SentRecord> = []): void {
    for (const r of unfinished) this.waiting.set(r.seq, r);
    for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) {
      const record = this.waiting.get(seq);
      if (record) this.writeRow(record);
    }
    this.waiting.clear();
  }

  private writeRow(record: SentRecord): void {
    this.writer.write(this.line(record));
    this.onRow?.(record);
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    try {
      this.writer.close();
    } finally {
      if (this.markFd !== undefined) closeSync(this.markFd);
      this.markFd = undefined;
    }
  }
}

export interface SentLogState {
  /** Highest seq in the log (0 when it has no rows). */
  lastSeq: number;
  rows: number;
  /** From the hand-over mark file, when there is one. */
  handedOver?: number;
}

/**
 * What an earlier run left in a sent log, for `--resume`; a torn last line (a killed writer) is
 * ignored. `connectionColumn`: the resuming run has several connections, so the log must have
 * the `connection` column (and must not without).
 */
export async function readSentLogState(path: string, options: { connectionColumn?: boolean } = {}): Promise<SentLogState> {
  if (isParquetPath(path)) throw optionError('resume', `cannot continue a Parquet sent log (${path}): its footer closes it; replay into a new log and give compare both`);
  if (!existsSync(path)) throw inputError({ file: path }, 'no sent log to resume from');
  const expected = sentLogHeader(Boolean(options.connectionColumn)).join(',');
  // Checked on the raw first line too: a file of one line without a newline reads as no rows at all, and would be appended to.
  const first = firstLineOf(path);
  if (first !== undefined && first !== expected) {
    if (first === sentLogHeader(!options.connectionColumn).join(',')) throw inputError({ file: path, line: 1 }, options.connectionColumn ? 'written by a one-connection replay: resume it without several connections' : 'written with several connections: resume it with the same number of connections');
    throw inputError({ file: path, line: 1 }, 'not a sent log (header differs): --resume continues only a log replay wrote (left untouched)', first);
  }
  let header: string[] | undefined;
  let lastSeq = 0;
  let rows = 0;
  for await (const record of readCsvRecords(path, { partialLastLine: 'skip' })) {
    if (!header) {
      header = record.cells;
      if (header.join(',') !== expected) throw inputError({ file: path, line: record.line }, 'not a sent log (header differs)', header.join(','));
      continue;
    }
    const seq = Number(record.cells[0]);
    if (!Number.isInteger(seq) || seq <= lastSeq) throw inputError({ file: path, line: record.line, field: 'seq' }, 'expected a whole number above the previous seq', record.cells[0] ?? '');
    lastSeq = seq;
    rows++;
  }
  const state: SentLogState = { lastSeq, rows };
  const markPath = handedOverPathFor(path);
  if (existsSync(markPath)) {
    const mark = Number(readFileSync(markPath, 'utf8').trim());
    if (Number.isInteger(mark) && mark > 0) state.handedOver = mark;
  }
  return state;
}
