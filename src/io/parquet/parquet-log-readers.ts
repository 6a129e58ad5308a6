/**
 * compare's Parquet inputs: a sent log or a trace written by sensortrace (or by anyone, with the
 * same column names), read one row group at a time into the same tables the CSV readers fill.
 */
import { existsSync } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet';
import { inputError } from '../../core/errors.js';
import { ArrivalTable, NO_QOS, SentTable, type Arrival } from '../../core/compare/match.js';
import type { Qos } from '../../core/records.js';
import { SeqSet } from '../logs/sent-log-reader.js';
import { fillFromPayload } from '../logs/trace-reader.js';
import { journalPathFor, msOfMicros } from './parquet-schema.js';

/** Times come back as epoch ms with the fraction (what the CSV's text parses to), not as Date. */
const parsers = { timestampFromMicroseconds: (micros: bigint) => msOfMicros(micros), timestampFromMilliseconds: (ms: bigint) => Number(ms), timestampFromNanoseconds: (ns: bigint) => Number(ns) / 1e6 };

async function metadataOf(path: string): Promise<{ file: Awaited<ReturnType<typeof asyncBufferFromFile>>; metadata: FileMetaData }> {
  const file = await asyncBufferFromFile(path).catch((error: unknown) => {
    throw inputError({ file: path }, `cannot read: ${(error as Error).message}`);
  });
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (error) {
    const journal = journalPathFor(path);
    const hint = existsSync(journal) ? `; its rows are in ${journal} (the CSV journal kept while it was written): compare that` : '';
    throw inputError({ file: path }, `not a whole Parquet file (${(error as Error).message}): a writer killed before its footer leaves it so${hint}`);
  }
}

/** The column names of a Parquet file (its header, as the CSV readers see a first line). */
export async function parquetColumnNames(path: string): Promise<string[]> {
  const { metadata } = await metadataOf(path);
  return metadata.schema.slice(1).map((e) => e.name);
}

/**
 * Every row, one row group at a time (bounded memory), as a Row view over the group's decoded
 * columns (no object per row): `row.at(k)` moves it to the group's k-th row.
 */
class Row {
  private k = 0;
  constructor(private readonly columns: Map<string, ArrayLike<unknown>>) {}
  at(k: number): this {
    this.k = k;
    return this;
  }
  get(name: string): unknown {
    return this.columns.get(name)?.[this.k];
  }
}

async function forEachRowGroup(path: string, columns: readonly string[], what: string, onRows: (row: Row, count: number, firstRow: number) => void): Promise<void> {
  const { file, metadata } = await metadataOf(path);
  const names = new Set(metadata.schema.slice(1).map((e) => e.name));
  const wanted = columns.filter((c) => names.has(c));
  if (!names.has(columns[0]!)) throw inputError({ file: path }, `not a ${what}: missing column ${columns[0]!}`);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const count = Number(group.num_rows);
    const rowEnd = rowStart + count;
    const decoded = new Map<string, unknown[]>(wanted.map((c) => [c, new Array<unknown>(count)]));
    const onChunk = (chunk: { columnName: string; columnData: ArrayLike<unknown>; rowStart: number; rowEnd: number }): void => {
      const into = decoded.get(chunk.columnName);
      if (!into) return;
      // A chunk may reach outside the group asked for: keep its rows that fall inside.
      for (let r = Math.max(chunk.rowStart, rowStart); r < Math.min(chunk.rowEnd, rowEnd); r++) into[r - rowStart] = chunk.columnData[r - chunk.rowStart];
    };
    await parquetRead({ file, metadata, columns: wanted, rowStart, rowEnd, utf8: false, parsers: parsers as never, onChunk: onChunk as never });
    onRows(new Row(decoded), count, rowStart);
    rowStart = rowEnd;
  }
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const text = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

function qosOf(v: unknown, path: string, line: number): Qos | undefined {
  const n = num(v);
  if (n === undefined) return undefined;
  if (n !== 0 && n !== 1 && n !== 2) throw inputError({ file: path, line, field: 'qos' }, 'QoS must be 0, 1 or 2', String(n));
  return n;
}

const SENT = ['seq', 'sensor', 'topic', 'qos', 'profile_time', 'value', 'planned_at', 'published_at'];

/** A Parquet sent log into compare's columns; rows are numbered from 1 in messages ("row N"). */
export async function readSentParquet(path: string): Promise<SentTable> {
  const out = new SentTable();
  const seen = new SeqSet();
  await forEachRowGroup(path, SENT, 'sent log', (row, count, first) => {
    for (let k = 0; k < count; k++) {
      const r = row.at(k);
      const line = first + k + 1;
      const seq = num(r.get('seq'));
      if (seq === undefined || !Number.isInteger(seq)) throw inputError({ file: path, line, field: 'seq' }, 'not a whole number', String(r.get('seq')));
      if (!seen.add(seq)) throw inputError({ file: path, line, field: 'seq' }, 'repeated sequence number', String(seq));
      const topic = text(r.get('topic'));
      if (topic === undefined) throw inputError({ file: path, line, field: 'topic' }, 'a topic is required here', '');
      const profileTime = num(r.get('profile_time'));
      const value = num(r.get('value'));
      if (profileTime === undefined) throw inputError({ file: path, line, field: 'profile_time' }, 'a value is required here', '');
      if (value === undefined) throw inputError({ file: path, line, field: 'value' }, 'a value is required here', '');
      out.push(seq, text(r.get('sensor')) ?? topic, topic, qosOf(r.get('qos'), path, line) ?? 0, profileTime, value, num(r.get('planned_at')) ?? NaN, num(r.get('published_at')) ?? NaN);
    }
  });
  return out;
}

const TRACE = ['received_at', 'topic', 'qos', 'dup', 'payload', 'seq', 'sensor', 'profile_time', 'value', 'published_at'];

/** A Parquet trace appended to `into` (shards accumulate as with CSV traces). */
export async function readTraceParquet(path: string, into: ArrivalTable): Promise<void> {
  await forEachRowGroup(path, TRACE, 'trace', (row, count, first) => {
    for (let k = 0; k < count; k++) {
      const r = row.at(k);
      const line = first + k + 1;
      const topic = text(r.get('topic'));
      if (topic === undefined) throw inputError({ file: path, line, field: 'topic' }, 'a topic is required here', '');
      const receivedAt = num(r.get('received_at'));
      if (receivedAt === undefined) throw inputError({ file: path, line, field: 'received_at' }, 'a value is required here', '');
      const qos = qosOf(r.get('qos'), path, line);
      const dup = r.get('dup') === true;
      const [seq, sensor, profileTime, value, publishedAt] = [num(r.get('seq')), text(r.get('sensor')), num(r.get('profile_time')), num(r.get('value')), num(r.get('published_at'))];
      if (value !== undefined && (seq !== undefined || profileTime !== undefined)) {
        into.push(receivedAt, topic, qos ?? NO_QOS, dup, seq ?? NaN, sensor, profileTime ?? NaN, value, publishedAt ?? NaN);
        continue;
      }
      // Decoded columns left empty (an unknown payload format at trace time): the payload may still tell.
      const arrival: Arrival = { receivedAt, topic, ...(qos === undefined ? {} : { qos }), ...(dup ? { dup } : {}) };
      if (seq !== undefined) arrival.seq = seq;
      if (sensor !== undefined) arrival.sensor = sensor;
      if (profileTime !== undefined) arrival.profileTime = profileTime;
      if (value !== undefined) arrival.value = value;
      if (publishedAt !== undefined) arrival.publishedAt = publishedAt;
      const payload = r.get('payload');
      if (payload instanceof Uint8Array) fillFromPayload(arrival, Buffer.from(payload));
      else if (typeof payload === 'string') fillFromPayload(arrival, payload);
      into.add(arrival);
    }
  });
}
