import { csvLine, cellToPayload, payloadToCell, unescapeFormula, type CellValue } from '../csv/csv.js';
import { csvPayloadPieces, jsonPayloadPieces, type RowPiece } from '../csv/payload-pieces.js';
import { inputError, type SourceLocation } from '../errors.js';
import { decodeReading, formatNumber } from '../mqtt/payload.js';
import { TRACE_COLUMNS, type Qos, type TraceRecord } from '../records.js';

/**
 * One received message as a trace row: what came over the wire, plus whatever the payload (or
 * MQTT 5 user properties) says about the reading, so compare can match it to what was sent.
 */

export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  qos: Qos;
  retain: boolean;
  dup: boolean;
  userProperties?: Record<string, string | string[]>;
}

export function toTraceRecord(message: ReceivedMessage, receivedAt: number): TraceRecord {
  const decoded = decodeReading(message.payload, message.userProperties);
  const record: TraceRecord = {
    receivedAt,
    topic: message.topic,
    qos: message.qos,
    retain: message.retain,
    dup: message.dup,
    payload: message.payload,
  };
  if (decoded.seq !== undefined) record.seq = decoded.seq;
  if (decoded.sensor !== undefined) record.sensor = decoded.sensor;
  if (decoded.time !== undefined) record.profileTime = decoded.time;
  if (decoded.value !== undefined) record.value = decoded.value;
  if (decoded.sentAt !== undefined) {
    record.publishedAt = decoded.sentAt;
    record.latencyMs = receivedAt - decoded.sentAt;
  }
  return record;
}

const ms = (value: number | undefined): string | undefined => (value === undefined ? undefined : value.toFixed(3));

/** The CSV header line (TRACE_COLUMNS). */
export function traceCsvHeader(): string {
  return csvLine([...TRACE_COLUMNS]);
}

/** The cells around the payload (TRACE_COLUMNS order): five before it, six after. */
function cellsAroundPayload(record: TraceRecord): { before: CellValue[]; after: CellValue[] } {
  return {
    before: [ms(record.receivedAt), record.topic, record.qos, record.retain, record.dup],
    after: [
      record.seq,
      record.sensor,
      ms(record.profileTime),
      record.value === undefined ? undefined : formatNumber(record.value),
      ms(record.publishedAt),
      ms(record.latencyMs),
    ],
  };
}

/** A row in TRACE_COLUMNS order; payload bytes via payloadToCell so any byte sequence round-trips. */
export function traceCsvLine(record: TraceRecord): string {
  const { before, after } = cellsAroundPayload(record);
  return csvLine([...before, payloadToCell(record.payload), ...after]);
}

/**
 * The same row as traceCsvLine(), in pieces that never hold the payload's cell as one string
 * (see core/csv/payload-pieces.ts): for payloads of megabytes and more.
 */
export function* traceCsvPieces(record: TraceRecord): Generator<RowPiece> {
  const { before, after } = cellsAroundPayload(record);
  yield `${csvLine(before).slice(0, -1)},`;
  yield* csvPayloadPieces(record.payload);
  yield `,${csvLine(after)}`;
}

/** The JSON object of a row, payload cell aside (it goes in as `payload`, 6th key). */
function jsonFields(record: TraceRecord, payload: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {
    received_at: Number(record.receivedAt.toFixed(3)),
    topic: record.topic,
    qos: record.qos,
    retain: record.retain,
    dup: record.dup,
    payload,
  };
  if (record.seq !== undefined) out.seq = record.seq;
  if (record.sensor !== undefined) out.sensor = record.sensor;
  if (record.profileTime !== undefined) out.profile_time = Number(record.profileTime.toFixed(3));
  if (record.value !== undefined) out.value = record.value;
  if (record.publishedAt !== undefined) out.published_at = Number(record.publishedAt.toFixed(3));
  if (record.latencyMs !== undefined) out.latency_ms = Number(record.latencyMs.toFixed(3));
  return out;
}

/**
 * `--jsonl`: one object per line with the CSV's column names; unknown fields are left out,
 * retain/dup are booleans, payload is encoded as in the CSV (binary → `base64:...`).
 */
export function traceJsonLine(record: TraceRecord): string {
  return `${JSON.stringify(jsonFields(record, payloadToCell(record.payload)))}\n`;
}

/** The same line as traceJsonLine(), in pieces (see traceCsvPieces). */
export function* traceJsonPieces(record: TraceRecord): Generator<RowPiece> {
  const line = JSON.stringify(jsonFields(record, ''));
  // The first `,"payload":""` is the key itself: inside the topic's string its quotes would be escaped.
  const at = line.indexOf(',"payload":""') + ',"payload":'.length;
  yield line.slice(0, at);
  yield* jsonPayloadPieces(record.payload);
  yield `${line.slice(at + 2)}\n`;
}

/**
 * Reads a trace row back (cells as parsed by CsvParser, formula escapes still on). Columns are
 * found by name from the header, so extra columns appended later do not break readers.
 */
export function traceColumnIndex(header: readonly string[], file: string): Map<string, number> {
  const index = new Map(header.map((name, i) => [name.trim(), i] as const));
  for (const required of ['received_at', 'topic', 'payload']) {
    if (!index.has(required)) throw inputError({ file, line: 1 }, `not a trace file: no "${required}" column`, header.join(','));
  }
  return index;
}

export function parseTraceCells(cells: readonly string[], index: Map<string, number>, location: SourceLocation): TraceRecord {
  const cell = (name: string): string | undefined => {
    const i = index.get(name);
    return i === undefined ? undefined : unescapeFormula(cells[i] ?? '');
  };
  const number = (name: string, required = false): number | undefined => {
    const text = cell(name);
    if (text === undefined || text === '') {
      if (required) throw inputError({ ...location, field: name }, 'missing value');
      return undefined;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) throw inputError({ ...location, field: name }, 'expected a number', text);
    return value;
  };
  const qos = number('qos') ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw inputError({ ...location, field: 'qos' }, 'expected 0, 1 or 2', String(qos));
  const record: TraceRecord = {
    receivedAt: number('received_at', true)!,
    topic: cell('topic') ?? '',
    qos,
    retain: cell('retain') === '1',
    dup: cell('dup') === '1',
    payload: cellToPayload(cell('payload') ?? ''),
  };
  const seq = number('seq');
  if (seq !== undefined) record.seq = seq;
  const sensor = cell('sensor');
  if (sensor) record.sensor = sensor;
  const profileTime = number('profile_time');
  if (profileTime !== undefined) record.profileTime = profileTime;
  const value = number('value');
  if (value !== undefined) record.value = value;
  const publishedAt = number('published_at');
  if (publishedAt !== undefined) record.publishedAt = publishedAt;
  const latencyMs = number('latency_ms');
  if (latencyMs !== undefined) record.latencyMs = latencyMs;
  return record;
}

