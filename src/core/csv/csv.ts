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

/** Strict UTF-8: throws on any invalid sequence; a leading BOM is kept as text. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Printable UTF-8: no control bytes but TAB, LF, CR, and valid UTF-8. The control bytes are
 * looked for first, on the bytes (UTF-8 never uses bytes below 0x80 inside a character): a binary
 * payload usually has one within its first bytes, and is then never decoded, which for a payload
 * of hundreds of megabytes saves a string twice its size and a re-encoding three times its size.
 */
function isPrintableUtf8(bytes: Buffer): string | undefined {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return undefined;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
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
