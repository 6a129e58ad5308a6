import { basename, extname } from 'node:path';
import { inputError } from '../../core/errors.js';
import {
  describeDelimiter,
  detectLayout,
  splitWhitespace,
  type ProfileFormatOptions,
  type ProfileLayout,
  type ProfileShape,
  type TimeFormat,
} from '../../core/profile/format.js';
import { ProfileRowParser } from '../../core/profile/row-parser.js';
import type { ProfileRow } from '../../core/records.js';
import type { CsvRecord } from '../../core/csv/csv.js';
import { readCsvBatches } from '../csv/csv-file-reader.js';
import { readLineBatches } from '../csv/line-reader.js';
import { checkUtf8Text, INPUT_LIMITS, lineTooLong, readHead } from './input-file.js';

export type { ProfileFormatOptions } from '../../core/profile/format.js';

export interface ProfileReadOptions extends ProfileFormatOptions {
  /** Only rows of these sensors (the time-order merge reads one pass per sensor). */
  onlySensors?: ReadonlySet<string>;
  /** Stops reading (the stream just ends): Ctrl+C during the validation pass of a huge file. */
  signal?: AbortSignal;
}

export interface ProfileSummary {
  path: string;
  shape: ProfileShape;
  /** `","`, `";"`, `tab` or `whitespace`. */
  delimiter: string;
  decimalComma: boolean;
  hasHeader: boolean;
  columns: string[];
  timeColumn: string;
  valueColumns: string[];
  sensorColumn?: string;
  topicColumn?: string;
  timeFormat: TimeFormat;
  /** Times are seconds from the start (anchored at the replay's start). */
  relative: boolean;
  sensors: Array<{ name: string; rows: number }>;
  /** Readings (a wide line holds one per sensor). */
  rows: number;
  firstTime: number;
  lastTime: number;
  durationMs: number;
  /** Readings per second over the profile's own duration (0 for a single instant). */
  rateHz: number;
  /** Readings are in time order across sensors (not only per sensor). */
  ordered: boolean;
  distinctTimes: number;
  /** The profile names its own topics (a `topic` column). */
  hasTopics: boolean;
  /** Reading was stopped by the signal: the figures cover only the part read. */
  stopped?: boolean;
  /** The zone ISO times without one were read in (`UTC`, `local` or an IANA name). */
  timezone: string;
}

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_LINES = 30;
/** A file not in time order across sensors is merged with one reading pass per sensor; beyond this, sort it first. */
const MAX_MERGED_SENSORS = 256;

interface Sample {
  lines: string[];
  firstLine: number;
}

/** A first line (or header) longer than the sample is read on, up to the line cap, not reported as "no rows". */
const LONG_SAMPLE_BYTES = 2 * INPUT_LIMITS.lineBytes + SAMPLE_BYTES;

function readSample(path: string, bytes = SAMPLE_BYTES): Sample {
  const head = readHead(path, 'profile', bytes);
  checkUtf8Text(head, path, 'profile');
  let text = head.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const all = text.split(/\r\n|\r|\n/);
  // The last piece of a full buffer may be a cut line.
  const full = head.length === bytes;
  if (full) all.pop();
  const lines: string[] = [];
  let firstLine = 0;
  for (let i = 0; i < all.length && lines.length < SAMPLE_LINES; i++) {
    const line = all[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    if (lines.length === 0) firstLine = i + 1;
    lines.push(line);
  }
  if (full && lines.length < 2) {
    if (bytes < LONG_SAMPLE_BYTES) return readSample(path, LONG_SAMPLE_BYTES);
    throw lineTooLong(path, all.length + 1, INPUT_LIMITS.lineBytes, 'a line of a profile');
  }
  return { lines, firstLine };
}

function defaultSensorName(path: string): string {
  return basename(path, extname(path)) || 'sensor';
}

export function detectProfileLayout(path: string, options: ProfileFormatOptions = {}): { layout: ProfileLayout; headerLine: number } {
  const sample = readSample(path);
  const layout = detectLayout(sample.lines, options, path, options.sensor ?? defaultSensorName(path), sample.firstLine || 1);
  return { layout, headerLine: layout.header ? sample.firstLine : 0 };
}

/** Rows per batch: enough to spread the cost of one await over many rows. */
const BATCH_ROWS = 512;

/**
 * Streams a profile's readings in file order, validating each line: the first bad line throws
 * `file:line: field: what is wrong (found "...")` (E_INPUT, exit 2). Memory stays bounded.
 */
export async function* readProfile(path: string, options: ProfileReadOptions = {}): AsyncGenerator<ProfileRow> {
  for await (const batch of readProfileBatches(path, options)) yield* batch;
}

/**
 * readProfile() in arrays of up to a few hundred rows: the replay and validation passes pay one
 * promise per batch instead of one per row at every generator they go through.
 */
export async function* readProfileBatches(path: string, options: ProfileReadOptions = {}): AsyncGenerator<ProfileRow[]> {
  const { layout, headerLine } = detectProfileLayout(path, options);
  const parser = new ProfileRowParser(layout, path);
  parser.headerLine = headerLine;
  const whitespace = layout.delimiter === 'whitespace';
  const only = options.onlySensors;
  let batch: ProfileRow[] = [];
  for await (const records of profileRecords(path, layout)) {
    if (options.signal?.aborted) break;
    for (const record of records) {
      const cells = whitespace ? splitWhitespace(record.cells[0]!) : record.cells;
      for (const row of parser.parse(record.line, cells)) {
        if (!only || only.has(row.sensor)) batch.push(row);
      }
      if (batch.length >= BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * The profile's records: csv-parse for a delimiter (a user's file may lack the final newline, so
 * an unterminated last line is accepted; a quote never closed is an error), lines to be split on
 * blanks for whitespace.
 */
function profileRecords(path: string, layout: ProfileLayout): AsyncGenerator<CsvRecord[]> {
  return layout.delimiter === 'whitespace' ? readLineBatches(path, { what: 'profile' }) : readCsvBatches(path, { delimiter: layout.delimiter, partialLastLine: 'accept', what: 'profile' });
}

/** A full validating pass that reports what was detected (`--validate-only`, `profile inspect`). */
export async function inspectProfile(path: string, options: ProfileReadOptions = {}): Promise<ProfileSummary> {
  return (await inspectProfileKeepingRows(path, options, 0)).summary;
}

/**
 * inspectProfile() that also hands back the rows, in time order (ties in file order), when there
 * are at most `keepRows` of them: a replay of a small or medium file then reads and parses it
 * once, not twice. Larger files stream twice (memory stays bounded).
 */
export async function inspectProfileKeepingRows(path: string, options: ProfileReadOptions, keepRows: number): Promise<{ summary: ProfileSummary; rows?: ProfileRow[] }> {
  const { layout } = detectProfileLayout(path, options);
  let kept: ProfileRow[] | undefined = keepRows > 0 ? [] : undefined;
  const sensors = new Map<string, number>();
  let rows = 0;
  let firstTime = Number.POSITIVE_INFINITY;
  let lastTime = Number.NEGATIVE_INFINITY;
  let previous: number | undefined;
  let ordered = true;
  let distinctTimes = 0;
  let hasTopics = false;
  let lastSensor: string | undefined;
  let lastSensorRows = 0;
  for await (const batch of readProfileBatches(path, options)) {
    if (kept) {
      if (kept.length + batch.length <= keepRows) for (const row of batch) kept.push(row);
      else kept = undefined;
    }
    for (const row of batch) {
      rows++;
      // Counted per run of one sensor: most files repeat it row after row.
      if (row.sensor !== lastSensor) {
        if (lastSensor !== undefined) sensors.set(lastSensor, (sensors.get(lastSensor) ?? 0) + lastSensorRows);
        lastSensor = row.sensor;
        lastSensorRows = 0;
      }
      lastSensorRows++;
      if (row.time < firstTime) firstTime = row.time;
      if (row.time > lastTime) lastTime = row.time;
      if (previous !== undefined && row.time < previous) ordered = false;
      if (row.time !== previous) distinctTimes++;
      previous = row.time;
      if (row.topic) hasTopics = true;
    }
  }
  if (lastSensor !== undefined) sensors.set(lastSensor, (sensors.get(lastSensor) ?? 0) + lastSensorRows);
  if (rows === 0 && !options.signal?.aborted) throw inputError({ file: path }, 'the profile has no rows');
  const name = (i: number | undefined, fallback: string): string => (i === undefined ? fallback : (layout.header?.[i] ?? `column ${i + 1}`));
  const durationMs = lastTime - firstTime;
  const summary: ProfileSummary = {
    path,
    shape: layout.shape,
    delimiter: describeDelimiter(layout.delimiter),
    decimalComma: layout.decimalComma,
    hasHeader: layout.header !== undefined,
    columns: layout.header ?? Array.from({ length: layout.columnCount }, (_, i) => `column ${i + 1}`),
    timeColumn: name(layout.timeIndex, 'time'),
    valueColumns: layout.valueColumns.map((c) => name(c.index, 'value')),
    timeFormat: layout.timeFormat,
    relative: layout.timeFormat === 'relative-s',
    sensors: [...sensors].map(([n, count]) => ({ name: n, rows: count })),
    rows,
    firstTime,
    lastTime,
    durationMs,
    rateHz: durationMs > 0 ? rows / (durationMs / 1000) : 0,
    ordered,
    distinctTimes,
    hasTopics,
    timezone: layout.timezone,
  };
  if (options.signal?.aborted) summary.stopped = true;
  if (layout.sensorIndex !== undefined) summary.sensorColumn = name(layout.sensorIndex, 'sensor');
  if (layout.topicIndex !== undefined) summary.topicColumn = name(layout.topicIndex, 'topic');
  if (!kept || summary.stopped || (!ordered && summary.sensors.length > MAX_MERGED_SENSORS)) return { summary };
  // Array sort is stable: equal times keep file order, as the streaming merge does.
  if (!ordered) kept.sort((a, b) => a.time - b.time);
  return { summary, rows: kept };
}

/**
 * Readings in time order. A file already in order streams straight through; one whose sensors
 * are grouped (all of hdd0, then all of hdd1) is merged from one pass per sensor, so memory
 * stays bounded by the number of sensors, not rows. Ties keep file order.
 */
export async function* readProfileInTimeOrder(path: string, summary: ProfileSummary, options: ProfileFormatOptions = {}): AsyncGenerator<ProfileRow> {
  for await (const batch of readProfileInTimeOrderBatches(path, summary, options)) yield* batch;
}

/** readProfileInTimeOrder() in batches (a file already in order: readProfileBatches()). */
export async function* readProfileInTimeOrderBatches(path: string, summary: ProfileSummary, options: ProfileFormatOptions = {}): AsyncGenerator<ProfileRow[]> {
  if (summary.ordered) {
    yield* readProfileBatches(path, options);
    return;
  }
  let batch: ProfileRow[] = [];
  for await (const row of mergeInTimeOrder(path, summary, options)) {
    batch.push(row);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function* mergeInTimeOrder(path: string, summary: ProfileSummary, options: ProfileFormatOptions): AsyncGenerator<ProfileRow> {
  if (summary.sensors.length > MAX_MERGED_SENSORS) {
    throw inputError({ file: path }, `rows are not in time order across sensors and there are too many sensors (${summary.sensors.length}) to merge while streaming; sort the file by time`);
  }
  const streams = summary.sensors.map((s) => readProfile(path, { ...options, onlySensors: new Set([s.name]) }));
  const heads: Array<ProfileRow | undefined> = [];
  try {
    for (const stream of streams) heads.push((await stream.next()).value ?? undefined);
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (!head) continue;
        const current = best < 0 ? undefined : heads[best]!;
        if (!current || head.time < current.time || (head.time === current.time && head.line < current.line)) best = i;
      }
      if (best < 0) return;
      yield heads[best]!;
      heads[best] = (await streams[best]!.next()).value ?? undefined;
    }
  } finally {
    await Promise.all(streams.map((s) => s.return(undefined)));
  }
}
