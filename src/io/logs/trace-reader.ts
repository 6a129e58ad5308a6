import { cellToPayload } from '../../core/csv/csv.js';
import { inputError, SensortraceError } from '../../core/errors.js';
import { ArrivalTable, NO_QOS, type Arrival } from '../../core/compare/match.js';
import type { Qos } from '../../core/records.js';
import { decodeReading, MAX_DECODED_PAYLOAD_BYTES } from '../../core/mqtt/payload.js';
import { readOwnLogBatches } from '../csv/own-log-reader.js';
import { readLineBatches } from '../csv/line-reader.js';
import { INPUT_LIMITS } from '../input/input-file.js';
import { Columns, Interner } from './log-columns.js';
import { readHeader, type ReaderOptions } from './sent-log-reader.js';

export type ReceivedFormat = 'trace' | 'trace-jsonl' | 'mosquitto_sub';

/** A mosquitto_sub `-F '%U %t %p'` line: epoch seconds with a fraction, the topic, the payload. */
const MOSQUITTO_SUB_LINE = /^(\d{9,}(?:\.\d+)?) (\S+)(?: (.*))?$/;

/** Tells a trace CSV from a mosquitto_sub recording by its first line. */
export async function detectReceivedFormat(path: string): Promise<ReceivedFormat> {
  const header = await readHeader(path).catch((error: unknown) => {
    throw error instanceof SensortraceError ? error : inputError({ file: path }, `cannot read: ${(error as Error).message}`);
  });
  if (header === undefined) throw inputError({ file: path }, 'empty file: expected a trace CSV or a mosquitto_sub -F "%U %t %p" recording');
  if (header.map((h) => h.trim().toLowerCase()).includes('received_at')) return 'trace';
  if (header[0]?.trimStart().startsWith('{')) return 'trace-jsonl';
  if (MOSQUITTO_SUB_LINE.test(header.join(','))) return 'mosquitto_sub';
  throw inputError({ file: path, line: 1 }, 'not a trace CSV (no received_at column) nor a mosquitto_sub -F "%U %t %p" line', header.join(','));
}

/**
 * Reads one received file, trace CSV or mosquitto_sub recording, appending to `into` (so
 * shards from several tracers accumulate in one list; compare orders them by received_at).
 */
export async function readReceived(path: string, into: Arrival[] = [], options: ReaderOptions = {}): Promise<{ arrivals: Arrival[]; format: ReceivedFormat }> {
  const { arrivals, format } = await readReceivedTable(path, new ArrivalTable(), options);
  for (let i = 0; i < arrivals.length; i++) into.push(arrivals.get(i));
  return { arrivals: into, format };
}

/** readReceived() into columns (about 50 bytes an arrival): what compare uses for large traces. */
export async function readReceivedTable(path: string, into: ArrivalTable = new ArrivalTable(), options: ReaderOptions = {}): Promise<{ arrivals: ArrivalTable; format: ReceivedFormat }> {
  const format = await detectReceivedFormat(path);
  if (format === 'trace') await readTrace(path, into, options);
  else await readLines(path, format === 'trace-jsonl' ? jsonlArrival : mosquittoSubArrival, into);
  return { arrivals: into, format };
}

const names = new Interner();

/**
 * A payload cell this long holds more than decodeReading() looks into (as text, a character is at
 * least a byte; as `base64:`, 4 characters are 3 bytes; 64 characters spare): it is not turned
 * back into bytes at all, which for a 256 MB payload saves a 256 MB buffer.
 */
const UNREAD_PAYLOAD_CELL_CHARS = Math.ceil((MAX_DECODED_PAYLOAD_BYTES * 4) / 3) + 64;

/** Fills what the trace's decoded columns left empty from the payload itself. */
export function fillFromPayload(arrival: Arrival, payload: Buffer | string): void {
  const decoded = decodeReading(payload);
  if (arrival.seq === undefined && decoded.seq !== undefined) arrival.seq = decoded.seq;
  if (arrival.sensor === undefined && decoded.sensor !== undefined) arrival.sensor = names.get(decoded.sensor);
  if (arrival.profileTime === undefined && decoded.time !== undefined) arrival.profileTime = decoded.time;
  if (arrival.value === undefined && decoded.value !== undefined) arrival.value = decoded.value;
  if (arrival.publishedAt === undefined && decoded.sentAt !== undefined) arrival.publishedAt = decoded.sentAt;
}

async function readTrace(path: string, into: ArrivalTable, options: ReaderOptions): Promise<void> {
  let columns: Columns | undefined;
  let width = 0;
  let at = { receivedAt: -1, topic: -1, qos: -1, dup: -1, seq: -1, sensor: -1, profileTime: -1, value: -1, publishedAt: -1, payload: -1 };
  // The trace sensortrace wrote itself: the hand-written fast path (see own-log-reader.ts).
  for await (const batch of readOwnLogBatches(path, { partialLastLine: 'skip', onWarning: options.onWarning, what: 'trace' })) {
    for (const { cells, line } of batch) {
      if (!columns) {
        columns = new Columns(path, cells);
        columns.require(['received_at', 'topic'], 'trace');
        width = cells.length;
        const c = columns;
        at = { receivedAt: c.at('received_at'), topic: c.at('topic'), qos: c.at('qos'), dup: c.at('dup'), seq: c.at('seq'), sensor: c.at('sensor'), profileTime: c.at('profile_time'), value: c.at('value'), publishedAt: c.at('published_at'), payload: c.at('payload') };
        continue;
      }
      if (cells.length === 1 && cells[0] === '') continue;
      // A row of another width is a damaged or hand-edited file: its cells would land in the wrong columns.
      if (cells.length !== width) throw inputError({ file: path, line }, `expected ${width} cells as in the header, found ${cells.length}`, cells.slice(0, 4).join(',').slice(0, 80));
      const topic = columns.textAt(cells, at.topic, 'topic');
      if (topic === undefined) throw inputError({ file: path, line, field: 'topic' }, 'a topic is required here', '');
      const receivedAt = columns.numberAt(cells, at.receivedAt, 'received_at', line, true)!;
      const rawQos = cells[at.qos];
      const qos = rawQos === '0' || rawQos === '1' || rawQos === '2' ? (Number(rawQos) as Qos) : columns.qos(cells, line);
      const rawDup = cells[at.dup];
      const dup = rawDup === '1' || (rawDup !== '0' && rawDup !== '' && rawDup !== undefined && columns.text(cells, 'dup') === '1');
      const seq = columns.numberAt(cells, at.seq, 'seq', line);
      const sensor = columns.textAt(cells, at.sensor, 'sensor');
      const profileTime = columns.numberAt(cells, at.profileTime, 'profile_time', line);
      const value = columns.numberAt(cells, at.value, 'value', line);
      const publishedAt = columns.numberAt(cells, at.publishedAt, 'published_at', line);
      if (value === undefined || (seq === undefined && profileTime === undefined)) {
        // Decoded columns left empty (an unknown payload format at trace time): the payload may still tell.
        const arrival: Arrival = { receivedAt, topic };
        if (qos !== undefined) arrival.qos = qos;
        if (dup) arrival.dup = true;
        if (seq !== undefined) arrival.seq = seq;
        if (sensor !== undefined) arrival.sensor = sensor;
        if (profileTime !== undefined) arrival.profileTime = profileTime;
        if (value !== undefined) arrival.value = value;
        if (publishedAt !== undefined) arrival.publishedAt = publishedAt;
        // The length first: a long cell is still the parser's pieces, and reading its text would join them into one more copy.
        if ((cells[at.payload]?.length ?? 0) <= UNREAD_PAYLOAD_CELL_CHARS) {
          const payload = columns.text(cells, 'payload');
          if (payload !== undefined) fillFromPayload(arrival, cellToPayload(payload));
        }
        into.add(arrival);
      } else into.push(receivedAt, topic, qos ?? NO_QOS, dup, seq ?? NaN, sensor, profileTime ?? NaN, value, publishedAt ?? NaN);
    }
  }
  if (!columns) throw inputError({ file: path }, 'empty file: expected a trace with a header line');
}

function mosquittoSubArrival(text: string, path: string, line: number): Arrival {
  const match = MOSQUITTO_SUB_LINE.exec(text);
  if (!match) throw inputError({ file: path, line }, 'expected a mosquitto_sub -F "%U %t %p" line: <epoch seconds> <topic> <payload>', text);
  const arrival: Arrival = { receivedAt: Number(match[1]) * 1000, topic: names.get(match[2]!) };
  fillFromPayload(arrival, match[3] ?? '');
  return arrival;
}

/** `trace --jsonl`: one object per line with the CSV's column names. */
function jsonlArrival(text: string, path: string, line: number): Arrival {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw inputError({ file: path, line }, 'not a JSON object', text);
  }
  const num = (field: string, required = false): number | undefined => {
    const v = o[field];
    if (v === undefined || v === null || v === '') {
      if (required) throw inputError({ file: path, line, field }, 'a value is required here', '');
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw inputError({ file: path, line, field }, 'not a number', String(v));
    return v;
  };
  if (typeof o.topic !== 'string') throw inputError({ file: path, line, field: 'topic' }, 'a topic is required here', String(o.topic ?? ''));
  const arrival: Arrival = { receivedAt: num('received_at', true)!, topic: names.get(o.topic) };
  const qos = num('qos');
  if (qos === 0 || qos === 1 || qos === 2) arrival.qos = qos;
  if (o.dup === true) arrival.dup = true;
  const seq = num('seq');
  if (seq !== undefined) arrival.seq = seq;
  if (typeof o.sensor === 'string') arrival.sensor = names.get(o.sensor);
  const profileTime = num('profile_time');
  if (profileTime !== undefined) arrival.profileTime = profileTime;
  const value = num('value');
  if (value !== undefined) arrival.value = value;
  const publishedAt = num('published_at');
  if (publishedAt !== undefined) arrival.publishedAt = publishedAt;
  if (typeof o.payload === 'string' && o.payload.length <= UNREAD_PAYLOAD_CELL_CHARS && (arrival.value === undefined || (arrival.seq === undefined && arrival.profileTime === undefined))) fillFromPayload(arrival, cellToPayload(o.payload));
  return arrival;
}

/** Line-based inputs (mosquitto_sub recordings, JSON lines), streamed; blank lines skipped. */
async function readLines(path: string, parse: (text: string, path: string, line: number) => Arrival, into: ArrivalTable): Promise<void> {
  for await (const batch of readLineBatches(path, { what: 'recording', maxLineBytes: INPUT_LIMITS.ownLogLineBytes })) {
    for (const { line, cells } of batch) {
      const text = cells[0]!;
      if (text.trim() === '') continue;
      into.add(parse(text, path, line));
    }
  }
}
