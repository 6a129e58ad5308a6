/**
 * How a profile file is laid out, detected from its first lines (or forced by flags), and how
 * one cell of it is read. Pure: the reader in src/io feeds lines in, rows come out.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { inputError, optionError, usageError } from '../errors.js';
import { DEFAULT_TIME_ZONE, MAX_TIME_MS, normalizeTimeZone, parseIsoTime } from './iso-time.js';

export { DEFAULT_TIME_ZONE, normalizeTimeZone, parseIsoTime } from './iso-time.js';

export type TimeFormat = 'epoch-s' | 'epoch-ms' | 'iso' | 'relative-s';
export const TIME_FORMATS: readonly TimeFormat[] = ['epoch-s', 'epoch-ms', 'iso', 'relative-s'];

/** single: one value column; long: a sensor column names each row's sensor; wide: one column per sensor. */
export type ProfileShape = 'single' | 'long' | 'wide';

export type Delimiter = ',' | ';' | '\t' | 'whitespace';

export interface ProfileFormatOptions {
  timeFormat?: TimeFormat | 'auto';
  /** ',', ';', 'tab' or '\t', 'space' or 'whitespace'. */
  delimiter?: string;
  /** Values written as `21,5` (semicolon files from many spreadsheet locales). */
  decimalComma?: boolean;
  /** Column name or 1-based number. */
  timeColumn?: string;
  valueColumn?: string;
  sensorColumn?: string;
  /** Sensor name for single-value profiles (default: the file's base name). */
  sensor?: string;
  /** The zone of ISO times written without one: `UTC` (default), `local` or an IANA name (`Europe/Berlin`). */
  timezone?: string;
}

export interface ProfileLayout {
  delimiter: Delimiter;
  decimalComma: boolean;
  /** Column names, or undefined when the file has no header line. */
  header: string[] | undefined;
  columnCount: number;
  shape: ProfileShape;
  timeIndex: number;
  timeFormat: TimeFormat;
  /** Columns holding values and the sensor each stands for (long: one column, sensor from sensorIndex). */
  valueColumns: Array<{ index: number; sensor: string }>;
  sensorIndex?: number;
  topicIndex?: number;
  /** ISO times without a zone are read in this one (normalizeTimeZone()). */
  timezone: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

const TIME_NAMES = ['time', 'timestamp', 'ts', 't', 'date', 'datetime', 'epoch', 'seconds', 'time_s', 'time_ms'];
const SENSOR_NAMES = ['sensor', 'sensor_id', 'sensorid', 'device', 'name', 'id'];
const VALUE_NAMES = ['value', 'temperature', 'temp', 'reading', 'val'];
const TOPIC_NAMES = ['topic'];

export function normalizeDelimiter(text: string): Delimiter {
  switch (text) {
    case ',':
    case 'comma':
      return ',';
    case ';':
    case 'semicolon':
      return ';';
    case '\t':
    case '\\t':
    case 'tab':
      return '\t';
    case ' ':
    case 'space':
    case 'whitespace':
      return 'whitespace';
    default:
      throw optionError('delimiter', `expected , ; tab or space (found "${text}")`);
  }
}

/** Splits a whitespace-delimited line (the tutorial's `1266193804 32`). */
export function splitWhitespace(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [''] : trimmed.split(/\s+/);
}

export function isBlank(cells: readonly string[]): boolean {
  return cells.every((c) => c.trim() === '');
}

export function isComment(cells: readonly string[]): boolean {
  return (cells[0] ?? '').trimStart().startsWith('#');
}

export function parseValueCell(text: string, decimalComma: boolean): number | undefined {
  let t = text.trim();
  if (decimalComma && DECIMAL_COMMA.test(t)) t = t.replace(',', '.');
  if (!NUMBER.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Epoch ms (or ms since the start, for relative-s) of one time cell; undefined when unreadable
 * or beyond what a date can hold (±8.64e15 ms: `9999999999999999` as epoch ms is refused here,
 * not left to fail later when printed).
 */
export function parseTimeCell(text: string, format: TimeFormat, decimalComma: boolean, timezone: string = DEFAULT_TIME_ZONE): number | undefined {
  if (format === 'iso') return parseIsoTime(text, timezone);
  const n = parseValueCell(text, decimalComma);
  if (n === undefined) return undefined;
  const ms = format === 'epoch-ms' ? n : n * 1000;
  return Math.abs(ms) > MAX_TIME_MS ? undefined : ms;
}

/**
 * Epoch milliseconds are ≥ 1e11 (after 1973); epoch seconds from 1e8 (1973) up; smaller
 * numbers are seconds since the start of the profile.
 */
export function detectTimeFormat(text: string, decimalComma: boolean): TimeFormat | undefined {
  const n = parseValueCell(text, decimalComma);
  if (n === undefined) return parseIsoTime(text) === undefined ? undefined : 'iso';
  if (Math.abs(n) >= 1e11) return 'epoch-ms';
  if (n >= 1e8) return 'epoch-s';
  return 'relative-s';
}

function looksLikeData(cell: string, decimalComma: boolean): boolean {
  return parseValueCell(cell, decimalComma) !== undefined || parseIsoTime(cell) !== undefined;
}

/**
 * The delimiter of the first line (the header, or the first row): the one it holds most of,
 * ties going to ; then tab then , (a `19,5` decimal comma must not win over `;`). Only the
 * first line counts, so a bad row further down is reported as such, not as a format change.
 */
export function detectDelimiter(lines: readonly string[]): Delimiter {
  const first = lines[0] ?? '';
  let best: Delimiter = 'whitespace';
  let bestCount = 0;
  for (const d of [';', '\t', ','] as const) {
    const count = first.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The cells of one sample line, read by csv-parse as the full pass will read them (quotes, a
 * quoted delimiter), trimmed. A line that is not whole CSV on its own (a quote opened here and
 * closed on a later line) is split plainly: the sample only needs the column structure.
 */
function splitSample(line: string, delimiter: Delimiter): string[] {
  if (delimiter === 'whitespace') return splitWhitespace(line);
  try {
    const [cells] = parseCsv(line, { delimiter, trim: true, relax_quotes: true, relax_column_count: true }) as string[][];
    return cells ?? [''];
  } catch {
    return line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  }
}

function findColumn(header: string[] | undefined, wanted: string | undefined, names: readonly string[], option: string, file: string): number | undefined {
  if (wanted !== undefined) {
    if (/^\d+$/.test(wanted)) {
      const index = Number(wanted) - 1;
      const count = header?.length ?? Number.POSITIVE_INFINITY;
      if (index < 0 || index >= count) throw optionError(option, `${file} has no column ${wanted}`);
      return index;
    }
    const index = header?.findIndex((h) => h.toLowerCase() === wanted.toLowerCase()) ?? -1;
    if (index < 0) throw optionError(option, `${file} has no column named "${wanted}"${header ? ` (columns: ${header.join(', ')})` : ' (it has no header line)'}`);
    return index;
  }
  if (!header) return undefined;
  const index = header.findIndex((h) => names.includes(h.toLowerCase()));
  return index < 0 ? undefined : index;
}

/**
 * Reads the layout from the first non-blank, non-comment lines of a file (a few dozen are
 * plenty). `firstLine` is the 1-based line of sample[0], for error messages.
 */
export function detectLayout(sample: readonly string[], options: ProfileFormatOptions, file: string, defaultSensor: string, firstLine = 1): ProfileLayout {
  if (sample.length === 0) throw inputError({ file }, 'the profile has no rows');
  const delimiter = options.delimiter !== undefined ? normalizeDelimiter(options.delimiter) : detectDelimiter(sample.slice(0, 20));
  const firstCells = splitSample(sample[0]!, delimiter);
  const probeComma = delimiter !== ',';
  const hasHeader = !firstCells.some((c) => looksLikeData(c, probeComma));
  const header = hasHeader ? firstCells.map((c) => c.trim()) : undefined;
  const dataLines = hasHeader ? sample.slice(1) : sample;
  const firstData = dataLines[0];
  if (firstData === undefined) throw inputError({ file, line: firstLine }, 'the profile has a header but no rows', sample[0]);
  const dataCells = splitSample(firstData, delimiter);
  const columnCount = header?.length ?? dataCells.length;
  if (columnCount < 2) throw inputError({ file, line: firstLine }, 'expected at least two columns (time and value); is the delimiter right?', sample[0]);

  const decimalComma = options.decimalComma ?? (delimiter !== ',' && dataLines.some((l) => splitSample(l, delimiter).some((c) => DECIMAL_COMMA.test(c.trim()))));

  const timeIndex = findColumn(header, options.timeColumn, TIME_NAMES, 'timeColumn', file) ?? 0;
  const topicIndex = findColumn(header, undefined, TOPIC_NAMES, '', file);
  let sensorIndex = findColumn(header, options.sensorColumn, SENSOR_NAMES, 'sensorColumn', file);
  let valueIndex = findColumn(header, options.valueColumn, VALUE_NAMES, 'valueColumn', file);
  // Without a header, a text cell between time and value names the sensor (time,sensor,value).
  if (!header && sensorIndex === undefined && columnCount === 3 && timeIndex === 0 && parseValueCell(dataCells[1] ?? '', decimalComma) === undefined) sensorIndex = 1;
  const others = Array.from({ length: columnCount }, (_, i) => i).filter((i) => i !== timeIndex && i !== topicIndex && i !== sensorIndex);

  let shape: ProfileShape;
  let valueColumns: ProfileLayout['valueColumns'];
  if (sensorIndex !== undefined) {
    valueIndex ??= others.length === 1 ? others[0] : undefined;
    if (valueIndex === undefined) throw usageError(`${file}: cannot tell which column holds the value; use --value-column`);
    shape = 'long';
    valueColumns = [{ index: valueIndex, sensor: '' }];
  } else if (valueIndex !== undefined || others.length === 1) {
    shape = 'single';
    valueColumns = [{ index: valueIndex ?? others[0]!, sensor: options.sensor ?? defaultSensor }];
  } else {
    if (others.length === 0) throw usageError(`${file}: no value column found; use --value-column`);
    shape = 'wide';
    valueColumns = others.map((index) => ({ index, sensor: header?.[index] || `col${index + 1}` }));
  }

  const timeCell = dataCells[timeIndex] ?? '';
  let timeFormat: TimeFormat;
  if (options.timeFormat && options.timeFormat !== 'auto') timeFormat = options.timeFormat;
  else {
    const detected = detectTimeFormat(timeCell, decimalComma);
    if (!detected) throw inputError({ file, line: firstLine + (hasHeader ? 1 : 0), field: header?.[timeIndex] ?? 'time' }, 'cannot read the time (expected epoch seconds, epoch ms, ISO 8601 or seconds from the start)', timeCell);
    timeFormat = detected;
  }
  const timezone = normalizeTimeZone(options.timezone ?? DEFAULT_TIME_ZONE);
  const layout: ProfileLayout = { delimiter, decimalComma, header, columnCount, shape, timeIndex, timeFormat, valueColumns, timezone };
  if (sensorIndex !== undefined) layout.sensorIndex = sensorIndex;
  if (topicIndex !== undefined) layout.topicIndex = topicIndex;
  return layout;
}

export function describeDelimiter(delimiter: Delimiter): string {
  return delimiter === '\t' ? 'tab' : delimiter === 'whitespace' ? 'whitespace' : `"${delimiter}"`;
}
