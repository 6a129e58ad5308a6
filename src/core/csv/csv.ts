/**
 * CSV cells and lines (RFC 4180), pure. Writers quote only when needed. Two escapes keep our
 * files safe and lossless:
 * - spreadsheet formulas: a text cell starting with = + - @ TAB CR gets a leading apostrophe
 *   (numbers like -3.5 are left alone); a cell that already starts with an apostrophe before
 *   such a character gets one more, so unescapeFormula() inverts it exactly;
 * - payload bytes that are not printable UTF-8 are written as `base64:...` (and so is any text
 *   payload that itself starts with `base64:`), so any byte sequence round-trips.
 *
 * csv-stringify defines the line format: csvLine(cells) is exactly
 * `stringify([cells.map(cellText)])` (csvLineByLibrary). csvLine() itself is a hand-written fast
 * path, kept because `npm run bench -- --only csv` measures it ≥ 2× faster per line (how the log
 * writers call it) and a fast-check property holds it byte-for-byte equal to csv-stringify.
 */
import { stringify } from 'csv-stringify/sync';

export { CsvParser, type CsvRecord } from './csv-parser.js';

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** First characters that may start a formula (or an apostrophe run before one). */
function mayStartFormula(c: number): boolean {
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 || c === 39;
}

export function escapeFormula(text: string): string {
  if (text.length === 0 || !mayStartFormula(text.charCodeAt(0)) || NUMBER.test(text)) return text;
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unescapeFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

export type CellValue = string | number | boolean | undefined | null;

/**
 * A cell's text before CSV quoting: formula-escaped text, numbers as JavaScript prints them
 * (non-finite ones empty), booleans 1/0, missing values empty.
 */
export function cellText(value: CellValue): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return escapeFormula(value);
}

/** One cell as it goes into a file: cellText(), then quoted if it must be. */
export function csvCell(value: CellValue): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const safe = cellText(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record as a line, `\n`-terminated: the fast path (see the file comment). */
export function csvLine(cells: ReadonlyArray<CellValue>): string {
  let line = cells.length > 0 ? csvCell(cells[0]) : '';
  for (let i = 1; i < cells.length; i++) line += `,${csvCell(cells[i])}`;
  return `${line}\n`;
}

/** The same line written by csv-stringify: the reference csvLine() is held to. */
export function csvLineByLibrary(cells: ReadonlyArray<CellValue>): string {
  return stringify([cells.map(cellText)]);
}

const BASE64_PREFIX = 'base64:';

/** Printable UTF-8: decodes without replacement and has no control bytes but TAB, LF, CR. */
function isPrintableUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return undefined;
  return text;
}

export function payloadToCell(bytes: Buffer): string {
  const text = isPrintableUtf8(bytes);
  if (text !== undefined && !text.startsWith(BASE64_PREFIX)) return text;
  return BASE64_PREFIX + bytes.toString('base64');
}

export function cellToPayload(cell: string): Buffer {
  return cell.startsWith(BASE64_PREFIX)
    ? Buffer.from(cell.slice(BASE64_PREFIX.length), 'base64')
    : Buffer.from(cell, 'utf8');
}
