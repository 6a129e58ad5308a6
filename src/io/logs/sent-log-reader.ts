import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { unescapeFormula } from '../../core/csv/csv.js';
import { inputError, SensortraceError, type ErrorCode, type SourceLocation } from '../../core/errors.js';
import { SentTable, type SentColumns, type SentMessage } from '../../core/compare/match.js';
import type { Qos } from '../../core/records.js';
import { compileTopicTemplate } from '../../core/mqtt/topic-template.js';
import { readCsvBatches, readCsvRecords } from '../csv/csv-file-reader.js';
import { inspectProfile, readProfileInTimeOrder, type ProfileFormatOptions } from '../input/profile-reader.js';

export interface ReaderOptions {
  onWarning?: (message: string) => void;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A plain decimal (`-12.345`, at most 2^53 as digits, at most 22 decimals), NaN for anything
 * else. Exactly Number(text): the digits make an exact integer and one division by an exact
 * power of ten is correctly rounded (Clinger's fast path); just without the general parser.
 */
export function parseDecimal(text: string): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let m = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  if (digits === 0 || m > Number.MAX_SAFE_INTEGER || scale > 22) return NaN;
  const v = scale === 0 ? m : m / POW10[scale]!;
  return negative ? -v : v;
}

/** Column lookup by header name, so extra or reordered columns do not matter. */
export class Columns {
  private readonly index = new Map<string, number>();
  constructor(
    readonly file: string,
    header: string[],
  ) {
    header.forEach((name, i) => {
      const key = name.trim().toLowerCase();
      if (!this.index.has(key)) this.index.set(key, i);
    });
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  require(names: readonly string[], what: string): void {
    const missing = names.filter((n) => !this.index.has(n));
    if (missing.length) throw inputError({ file: this.file, line: 1 }, `not a ${what}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }

  /**
   * A cell's text exactly as written, with the writer's spreadsheet-formula escape undone;
   * undefined when empty. Never trimmed: `rt/x/ ` and `rt/x/` are different topics.
   */
  text(cells: string[], name: string): string | undefined {
    const i = this.index.get(name);
    if (i === undefined) return undefined;
    const cell = cells[i];
    return cell === undefined || cell === '' ? undefined : unescapeFormula(cell);
  }

  /** text() by position. No leading apostrophe (the common case) means nothing to unescape. */
  textAt(cells: string[], i: number, name: string): string | undefined {
    const cell = cells[i];
    if (cell !== undefined && cell.length > 0 && cell.charCodeAt(0) !== 39) return cell;
    return this.text(cells, name);
  }

  /** Position of a column, -1 when absent: resolve once, then read every row by position. */
  at(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /**
   * number() by position. A cell starting with a digit needs neither trimming (Number() skips
   * trailing blanks) nor the formula escape undone, so most cells are one Number() call.
   */
  numberAt(cells: string[], i: number, name: string, line: number, required = false): number | undefined {
    const cell = cells[i];
    if (cell !== undefined) {
      const c = cell.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const n = parseDecimal(cell);
        if (!Number.isNaN(n)) return n;
      }
    }
    return this.number(cells, name, line, required);
  }

  number(cells: string[], name: string, line: number, required = false): number | undefined {
    // Numbers, unlike text, may carry blanks around them (hand-edited files).
    const cell = this.text(cells, name)?.trim();
    if (cell === undefined || cell === '') {
      if (required) throw inputError({ file: this.file, line, field: name }, 'a value is required here', '');
      return undefined;
    }
    const n = Number(cell);
    if (!Number.isFinite(n)) throw inputError({ file: this.file, line, field: name }, 'not a number', cell);
    return n;
  }

  qos(cells: string[], line: number): Qos | undefined {
    const n = this.number(cells, 'qos', line);
    if (n === undefined) return undefined;
    if (n !== 0 && n !== 1 && n !== 2) throw inputError({ file: this.file, line, field: 'qos' }, 'QoS must be 0, 1 or 2', String(n));
    return n;
  }
}

/** Topics and sensor names repeat on every row: one string per distinct name keeps a million rows small. */
export class Interner {
  private readonly seen = new Map<string, string>();
  get(text: string): string {
    let kept = this.seen.get(text);
    if (kept === undefined) this.seen.set(text, (kept = text));
    return kept;
  }
}

const SENT_LOG_MARKERS = ['seq', 'topic', 'profile_time', 'value'];

/** Whether a CSV header looks like replay's sent log (as opposed to a bare profile). */
export function isSentLogHeader(header: readonly string[]): boolean {
  const names = new Set(header.map((h) => h.trim().toLowerCase()));
  return SENT_LOG_MARKERS.every((n) => names.has(n)) && (names.has('published_at') || names.has('planned_at'));
}

/**
 * Reads replay's sent log (SENT_COLUMNS; unknown columns ignored) into what compare needs.
 * The file is streamed; only the fields compare uses are kept per row. A repeated seq is an
 * error: seq is the identity arrivals are matched by.
 */
export async function readSentLog(path: string, options: ReaderOptions = {}): Promise<SentMessage[]> {
  return (await readSentTable(path, options)).toArray();
}

/** readSentLog() into columns (about 50 bytes a message): what compare uses for large logs. */
export async function readSentTable(path: string, options: ReaderOptions = {}): Promise<SentTable> {
  const out = new SentTable();
  const seen = new SeqSet();
  let columns: Columns | undefined;
  let at = { seq: -1, topic: -1, sensor: -1, qos: -1, profileTime: -1, value: -1, plannedAt: -1, publishedAt: -1 };
  for await (const batch of readCsvBatches(path, { partialLastLine: 'skip', onWarning: options.onWarning })) {
    for (const { cells, line } of batch) {
      if (!columns) {
        columns = new Columns(path, cells);
        columns.require(SENT_LOG_MARKERS, 'sent log');
        const c = columns;
        at = { seq: c.at('seq'), topic: c.at('topic'), sensor: c.at('sensor'), qos: c.at('qos'), profileTime: c.at('profile_time'), value: c.at('value'), plannedAt: c.at('planned_at'), publishedAt: c.at('published_at') };
        continue;
      }
      if (cells.length === 1 && cells[0] === '') continue;
      const seq = columns.numberAt(cells, at.seq, 'seq', line, true)!;
      if (!Number.isInteger(seq)) throw inputError({ file: path, line, field: 'seq' }, 'not a whole number', String(seq));
      if (!seen.add(seq)) throw inputError({ file: path, line, field: 'seq' }, 'repeated sequence number', String(seq));
      const topic = columns.textAt(cells, at.topic, 'topic');
      if (topic === undefined) throw inputError({ file: path, line, field: 'topic' }, 'a topic is required here', '');
      const sensor = columns.textAt(cells, at.sensor, 'sensor') ?? topic;
      const rawQos = cells[at.qos];
      const qos = rawQos === '0' || rawQos === '1' || rawQos === '2' ? (Number(rawQos) as Qos) : (columns.qos(cells, line) ?? 0);
      const profileTime = columns.numberAt(cells, at.profileTime, 'profile_time', line, true)!;
      const value = columns.numberAt(cells, at.value, 'value', line, true)!;
      const plannedAt = at.plannedAt >= 0 ? columns.numberAt(cells, at.plannedAt, 'planned_at', line) : undefined;
      const publishedAt = at.publishedAt >= 0 ? columns.numberAt(cells, at.publishedAt, 'published_at', line) : undefined;
      out.push(seq, sensor, topic, qos, profileTime, value, plannedAt ?? NaN, publishedAt ?? NaN);
    }
  }
  if (!columns) throw inputError({ file: path }, 'empty file: expected a sent log with a header line');
  return out;
}

/**
 * Seen sequence numbers: a bitmap while they stay small whole numbers (replay's 1, 2, 3 ...:
 * an eighth of a byte each), a Set for anything else.
 */
class SeqSet {
  private bits = new Uint8Array(1024);
  private readonly others = new Set<number>();

  /** False when seq was already there. */
  add(seq: number): boolean {
    if (seq >= 0 && seq < 2 ** 31) {
      const byte = seq >>> 3;
      if (byte >= this.bits.length) {
        if (byte > 64 * 1024 * 1024) return this.addOther(seq);
        const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
        grown.set(this.bits);
        this.bits = grown;
      }
      const mask = 1 << (seq & 7);
      if (this.bits[byte]! & mask) return false;
      this.bits[byte]! |= mask;
      return true;
    }
    return this.addOther(seq);
  }

  private addOther(seq: number): boolean {
    if (this.others.has(seq)) return false;
    this.others.add(seq);
    return true;
  }
}

/** The first record of a CSV file (its header), or undefined for an empty file. */
export async function readHeader(path: string): Promise<string[] | undefined> {
  for await (const record of readCsvRecords(path)) return record.cells;
  return undefined;
}

export interface ProfileAsSentOptions {
  /** Topic template as given to replay (`sensors/{sensor}/temperature`); else the profile's topic column, else the sensor name. */
  topic?: string;
  qos?: Qos;
  format?: ProfileFormatOptions;
}

/**
 * A bare profile read as "what would have been sent": replay numbers readings 1, 2, ... in
 * time order over one pass, so seq here is the replayer's seq. Relative profiles have no
 * absolute times until a replay anchors them: `relative` says so, and the caller anchors
 * (compare uses the arrivals). No plannedAt/publishedAt: latency then comes from the send
 * time carried in the payload, when there is one.
 */
export async function readProfileAsSent(path: string, options: ProfileAsSentOptions = {}): Promise<{ messages: SentMessage[]; relative: boolean }> {
  const summary = await inspectProfile(path, options.format ?? {});
  const template = options.topic === undefined ? undefined : compileTopicTemplate(options.topic);
  const names = new Interner();
  const messages: SentMessage[] = [];
  for await (const row of readProfileInTimeOrder(path, summary, options.format ?? {})) {
    const seq = messages.length + 1;
    const topic = template
      ? template.render({ sensor: row.sensor, seq, value: row.value, time: Math.round(row.time), pass: 1, topic: row.topic ?? '' })
      : (row.topic ?? row.sensor);
    messages.push({ seq, sensor: names.get(row.sensor), topic: names.get(topic), qos: options.qos ?? 0, profileTime: row.time, value: row.value });
  }
  return { messages, relative: summary.relative };
}

/** Sent logs this large are worth a thread of their own (starting one costs ~50 ms). */
const BACKGROUND_MIN_BYTES = 4 * 1024 * 1024;

type WorkerReply =
  | { kind: 'warning'; message: string }
  | { kind: 'table'; columns: SentColumns }
  | { kind: 'error'; message: string; code: ErrorCode; location?: SourceLocation };

/**
 * readSentTable() on a worker thread, so a caller can read the trace at the same time (the two
 * files take about as long each). Small files, and runs from TypeScript sources (tests), are
 * read here instead. The columns come back as transferred buffers: no copy. Errors keep their
 * message and code; `signal` stops the worker (the caller failed elsewhere).
 */
export function readSentTableInBackground(path: string, options: ReaderOptions & { signal?: AbortSignal } = {}): Promise<SentTable> {
  const self = fileURLToPath(import.meta.url);
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // Let readSentTable report the missing file the usual way.
  }
  if (!self.endsWith('.js') || size < BACKGROUND_MIN_BYTES) return readSentTable(path, options);
  return new Promise<SentTable>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(self, { workerData: { sensortraceSentTable: path } });
    const settle = (error: Error | undefined, table?: SentTable): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', stop);
      if (error) reject(error);
      else resolve(table!);
    };
    const stop = (): void => {
      void worker.terminate();
      settle(new SensortraceError(`${path}: reading stopped`, 'E_INPUT', { file: path }));
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'warning') options.onWarning?.(reply.message);
      else if (reply.kind === 'table') settle(undefined, SentTable.fromColumns(reply.columns));
      else settle(new SensortraceError(reply.message, reply.code, reply.location));
    });
    worker.on('error', (error) => settle(new SensortraceError(`${path}: cannot read: ${error.message}`, 'E_INTERNAL', { file: path }, { cause: error })));
    worker.on('exit', (code) => settle(new SensortraceError(`${path}: reader thread ended (exit ${code}) without a result`, 'E_INTERNAL', { file: path })));
  });
}

// The worker side of readSentTableInBackground(): this module, started with that marker.
const job = isMainThread ? undefined : (workerData as { sensortraceSentTable?: unknown } | undefined)?.sensortraceSentTable;
if (typeof job === 'string' && parentPort) {
  const port = parentPort;
  readSentTable(job, { onWarning: (message) => port.postMessage({ kind: 'warning', message } satisfies WorkerReply) }).then(
    (table) => {
      const columns = table.toColumns();
      const buffers = [columns.seq, columns.sensorId, columns.topicId, columns.qos, columns.profileTime, columns.value, columns.plannedAt, columns.publishedAt].map((a) => a.buffer as ArrayBuffer);
      port.postMessage({ kind: 'table', columns } satisfies WorkerReply, buffers);
    },
    (error: unknown) => {
      const e = error instanceof SensortraceError ? error : new SensortraceError((error as Error).message, 'E_INTERNAL');
      port.postMessage({ kind: 'error', message: e.message, code: e.code, location: e.location } satisfies WorkerReply);
    },
  );
}
