import { inputError } from '../../core/errors.js';
import { SentTable, type SentMessage } from '../../core/compare/match.js';
import type { Qos } from '../../core/records.js';
import { compileTopicTemplate } from '../../core/mqtt/topic-template.js';
import { readFirstLineCells } from '../csv/csv-file-reader.js';
import { readOwnLogBatches } from '../csv/own-log-reader.js';
import { Columns, Interner } from './log-columns.js';
import { inspectProfile, readProfileInTimeOrder, type ProfileFormatOptions } from '../input/profile-reader.js';

export interface ReaderOptions {
  onWarning?: (message: string) => void;
}

// Column mapping and the worker-thread reader live in their own files; these names stay importable from here.
export { Columns, Interner, parseDecimal } from './log-columns.js';
export { readSentTableInBackground } from './sent-log-worker.js';

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
  let width = 0;
  let at = { seq: -1, topic: -1, sensor: -1, qos: -1, profileTime: -1, value: -1, plannedAt: -1, publishedAt: -1 };
  // The log sensortrace wrote itself: the hand-written fast path (see own-log-reader.ts).
  for await (const batch of readOwnLogBatches(path, { partialLastLine: 'skip', onWarning: options.onWarning, what: 'sent log' })) {
    for (const { cells, line } of batch) {
      if (!columns) {
        columns = new Columns(path, cells);
        columns.require(SENT_LOG_MARKERS, 'sent log');
        width = cells.length;
        const c = columns;
        at = { seq: c.at('seq'), topic: c.at('topic'), sensor: c.at('sensor'), qos: c.at('qos'), profileTime: c.at('profile_time'), value: c.at('value'), plannedAt: c.at('planned_at'), publishedAt: c.at('published_at') };
        continue;
      }
      if (cells.length === 1 && cells[0] === '') continue;
      // A row of another width is a damaged or hand-edited file: its cells would land in the wrong columns.
      if (cells.length !== width) throw inputError({ file: path, line }, `expected ${width} cells as in the header, found ${cells.length}`, cells.slice(0, 4).join(',').slice(0, 80));
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
export class SeqSet {
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

/** The first line of a CSV file (its header) as cells, or undefined for an empty file. */
export async function readHeader(path: string): Promise<string[] | undefined> {
  return readFirstLineCells(path);
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

