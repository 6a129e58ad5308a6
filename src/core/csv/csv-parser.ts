/**
 * CSV cells and records (RFC 4180), pure. Writers quote only when needed; readers accept
 * quoted fields spanning lines. Two escapes keep our files safe and lossless:
 * - spreadsheet formulas: a text cell starting with = + - @ TAB CR gets a leading apostrophe
 *   (numbers like -3.5 are left alone); a cell that already starts with an apostrophe before
 *   such a character gets one more, so unescapeFormula() inverts it exactly;
 * - payload bytes that are not printable UTF-8 are written as `base64:...` (and so is any text
 *   payload that itself starts with `base64:`), so any byte sequence round-trips.
 */

const FORMULA_START = /^'*[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

export function escapeFormula(text: string): string {
  if (text.length === 0 || NUMBER.test(text)) return text;
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export function unescapeFormula(text: string): string {
  return text.startsWith("'") && FORMULA_START.test(text) ? text.slice(1) : text;
}

/** One cell as it goes into a file: formula-escaped, then quoted if it must be. */
export function csvCell(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  const safe = escapeFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: ReadonlyArray<string | number | boolean | undefined | null>): string {
  return `${cells.map(csvCell).join(',')}\n`;
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

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  cells: string[];
  /** Set by end() when the input stopped inside a quoted cell (a torn last record). */
  unterminatedQuote?: boolean;
}

/**
 * Incremental parser: feed text chunks, get whole records back. Keeps only the unfinished
 * record between calls, so files of any size stream through it.
 */
export class CsvParser {
  private cells: string[] = [];
  private cell = '';
  private quoted = false;
  private afterQuote = false;
  private cellStarted = false;
  private line = 1;
  private recordLine = 1;
  private pendingCr = false;

  constructor(private readonly delimiter = ',') {}

  feed(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const d = this.delimiter;
    const n = chunk.length;
    // Where the next quote / CR is, found once and reused until passed: rescanning from every
    // line would be quadratic in the chunk size.
    let nextQuote = -1;
    let nextCr = -1;
    let nextDelimiter = -1;
    let i = 0;
    while (i < n) {
      // Fast path: at a record's start, a whole line without quotes or CRs is just split.
      // Almost every line of the files this toolkit writes is like that.
      if (d.length === 1 && !this.pendingCr && !this.cellStarted && !this.quoted && !this.afterQuote && this.cells.length === 0 && this.cell === '') {
        if (nextQuote !== n && nextQuote < i) nextQuote = indexOrEnd(chunk, '"', i);
        if (nextCr !== n && nextCr < i) nextCr = indexOrEnd(chunk, '\r', i);
        const nl = indexOrEnd(chunk, '\n', i);
        if (nl === n && nextQuote === n && nextCr === n) {
          // The last, unfinished line of this chunk, plain text: kept for the next chunk.
          const parts = chunk.slice(i).split(d);
          this.cell = parts.pop()!;
          this.cells = parts;
          this.cellStarted = this.cell !== '';
          return out;
        }
        if (nextQuote > nl && nextCr > nl) {
          // Cells sliced straight from the chunk; the next delimiter is remembered like the next
          // quote, so a file without delimiters is not rescanned to the chunk's end per line.
          const cells: string[] = [];
          let start = i;
          for (;;) {
            if (nextDelimiter !== n && nextDelimiter < start) nextDelimiter = indexOrEnd(chunk, d, start);
            if (nextDelimiter >= nl) break;
            cells.push(chunk.slice(start, nextDelimiter));
            start = nextDelimiter + 1;
          }
          cells.push(chunk.slice(start, nl));
          out.push({ line: this.recordLine, cells });
          this.line++;
          this.recordLine = this.line;
          i = nl + 1;
          continue;
        }
      }
      i = this.slowRecord(chunk, i, out);
    }
    return out;
  }

  /**
   * Character by character from `from` until one record has ended (and any CR LF pair is
   * consumed) or the chunk ends; returns where it stopped. Handles quotes, CRs and records
   * split across chunks.
   */
  private slowRecord(chunk: string, from: number, out: CsvRecord[]): number {
    const d = this.delimiter;
    for (let i = from; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === '\n') return i + 1;
      }
      if (this.quoted) {
        if (ch === '"') {
          if (chunk[i + 1] === '"') {
            this.cell += '"';
            i++;
          } else {
            // At the chunk's end the next chunk decides whether this quote is doubled (afterQuote).
            this.quoted = false;
            this.afterQuote = true;
          }
        } else {
          if (ch === '\n') this.line++;
          this.cell += ch;
        }
        continue;
      }
      if (this.afterQuote && ch === '"') {
        // A doubled quote split across chunks.
        this.cell += '"';
        this.quoted = true;
        this.afterQuote = false;
        continue;
      }
      this.afterQuote = false;
      if (ch === '"' && !this.cellStarted) {
        this.quoted = true;
        this.cellStarted = true;
      } else if (ch === d) {
        this.cells.push(this.cell);
        this.cell = '';
        this.cellStarted = false;
      } else if (ch === '\n' || ch === '\r') {
        this.cells.push(this.cell);
        out.push({ line: this.recordLine, cells: this.cells });
        this.cells = [];
        this.cell = '';
        this.cellStarted = false;
        this.line++;
        this.recordLine = this.line;
        if (ch === '\r') this.pendingCr = true;
        else return i + 1;
      } else {
        this.cell += ch;
        this.cellStarted = true;
      }
    }
    return chunk.length;
  }

  /** The unterminated last record, if the input did not end with a newline. */
  end(): CsvRecord | undefined {
    if (!this.cellStarted && this.cells.length === 0 && this.cell === '' && !this.quoted) return undefined;
    this.cells.push(this.cell);
    const record = { line: this.recordLine, cells: this.cells, unterminatedQuote: this.quoted };
    this.cells = [];
    this.cell = '';
    this.cellStarted = false;
    this.quoted = false;
    return record;
  }
}
