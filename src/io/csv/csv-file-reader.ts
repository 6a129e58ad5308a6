/**
 * Reading CSV files through csv-parse (the design card's library): every CSV a user hands in
 * (profiles, lookup tables, compare inputs) and, unless a bench-proven fast path applies
 * (own-log-reader.ts), sensortrace's own logs. Chunks without a quote character have no CSV
 * syntax beyond delimiters and line breaks: they are split by hand (PlainLines, the same records,
 * held equal to csv-parse's by test/io/csv/csv-file-reader.test.ts) until the first quote.
 */
import { createReadStream } from 'node:fs';
import { Parser, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import type { CsvRecord } from '../../core/csv/csv.js';
import { inputError, SensortraceError } from '../../core/errors.js';
import { checkTextInput, checkUtf8Text, INPUT_LIMITS, lineTooLong, readHead } from '../input/input-file.js';

export interface CsvFileReadOptions {
  delimiter?: string;
  /**
   * Files this toolkit wrote always end in a newline, so an unterminated last line there is
   * a torn write (a killed process): skip it and warn. User-made files often lack the final
   * newline: accept it.
   */
  partialLastLine?: 'accept' | 'skip';
  onWarning?: (message: string) => void;
  /** What the file is, for errors (`profile`, `lookup table`). */
  what?: string;
  /** The longest record accepted, in characters (default INPUT_LIMITS.lineBytes): memory stays bounded. */
  maxLineBytes?: number;
  /** false: csv-parse reads every chunk, quote or not (the benchmark measures the library itself so). */
  plainFastPath?: boolean;
}

/**
 * csv-parse settled to read what our own writer and spreadsheets write: RFC 4180 quotes, any of
 * CRLF / LF / CR per line (csv-parse would otherwise lock onto the first one it sees), rows of
 * any length (the readers check columns with file:line errors of their own), a stray quote
 * inside a cell kept as text, empty lines kept as `['']` so line numbers stay exact, BOM dropped.
 * A quote still open at the end of the input is reported to `onUnclosedQuote` instead of failing
 * the whole parse, so the records before it are kept; any other csv-parse error still fails it.
 */
export function csvParseOptions(delimiter = ',', onUnclosedQuote: () => void = () => undefined, maxRecordChars = 0): Options {
  return {
    delimiter,
    // 0 is csv-parse's "no limit"; readers pass INPUT_LIMITS.
    max_record_size: maxRecordChars,
    bom: true,
    relax_quotes: true,
    relax_column_count: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: false,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error?.code !== 'CSV_QUOTE_NOT_CLOSED') throw error;
      onUnclosedQuote();
    },
  };
}

/** Streams the records of a CSV file; a UTF-8 BOM is dropped. Memory stays bounded by one chunk. */
export async function* readCsvRecords(path: string, options: CsvFileReadOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(path, options)) yield* batch;
}

/**
 * Line numbers for csv-parse's records (it counts record delimiters, not lines): a record starts
 * on the line after the previous one ended, and spans one more line per LF inside its quoted
 * cells (a CR LF is one break; a lone CR inside quotes is not counted, as the hand-written parser
 * always did).
 */
export class LineCounter {
  private next = 1;

  /** The 1-based line the record starts on; advances past it. */
  take(cells: readonly string[]): number {
    const line = this.next;
    let breaks = 0;
    for (const cell of cells) if (cell.length > 0 && cell.includes('\n')) breaks += countLineFeeds(cell);
    this.next += 1 + breaks;
    return line;
  }

  /** The line the next record would start on (where an error or a torn line sits). */
  get current(): number {
    return this.next;
  }
}

function countLineFeeds(text: string): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

/**
 * The same records, one array per chunk read (a few thousand lines): for readers of large
 * files, where awaiting every record would cost more than parsing it. Chunks go into csv-parse's
 * stream one at a time and its records are drained before the next: memory stays bounded.
 */
export async function* readCsvBatches(path: string, options: CsvFileReadOptions = {}): AsyncGenerator<CsvRecord[]> {
  let unclosedQuote = false;
  const what = options.what ?? 'file';
  const maxLine = options.maxLineBytes ?? INPUT_LIMITS.lineBytes;
  checkTextInput(path, what);
  const parser = new Parser(csvParseOptions(options.delimiter ?? ',', () => (unclosedQuote = true), maxLine));
  // Errors are read from parser.errored right after each write; this keeps the event quiet.
  parser.on('error', () => undefined);
  const lines = new LineCounter();
  let lastByte = -1;
  // Chunks without a quote are split here (no CSV syntax to honour); from the first quote on, csv-parse reads the rest.
  const plain = new PlainLines(options.delimiter ?? ',', lines, path, maxLine, what);
  let plainUntilQuote = options.plainFastPath !== false;
  try {
    for await (const chunk of readChunks(path)) {
      lastByte = chunk[chunk.length - 1]!;
      if (plainUntilQuote && chunk.indexOf(QUOTE) < 0) {
        const records = plain.feed(chunk);
        if (records.length > 0) yield records;
        continue;
      }
      if (plainUntilQuote) {
        plainUntilQuote = false;
        parser.write(plain.rest());
      }
      parser.write(chunk);
      const batch = drain(parser, lines, path, maxLine, what);
      if (batch.length > 0) yield batch;
    }
    if (plainUntilQuote) parser.write(plain.rest());
    parser.end();
    const rest = await finish(parser, lines, path, maxLine, what);
    if (unclosedQuote) tornQuote(path, lines.current, options);
    const endsInNewline = lastByte === 10 || lastByte === 13;
    if (!unclosedQuote && rest.length > 0 && !endsInNewline && (options.partialLastLine ?? 'accept') === 'skip') {
      const torn = rest.pop()!;
      options.onWarning?.(`${path}:${torn.line}: ignoring an incomplete last line (the writer was probably killed)`);
    }
    if (rest.length > 0) yield rest;
  } finally {
    parser.destroy();
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Lines of quote-free chunks split by hand, the records csv-parse would make of them (cells split
 * at the delimiter, CRLF / LF / CR, empty lines as `['']`, the BOM dropped, the same line limit):
 * csv-parse costs ≈3× more, and a profile is read before the first message of a replay goes.
 * The unfinished last line stays as bytes (a character may be split across chunks); rest() hands
 * it to csv-parse when a quote turns up or the file ends.
 */
class PlainLines {
  private carry: Buffer = Buffer.alloc(0);
  private first = true;

  constructor(
    private readonly delimiter: string,
    private readonly lines: LineCounter,
    private readonly path: string,
    private readonly maxLine: number,
    private readonly what: string,
  ) {}

  feed(chunk: Buffer): CsvRecord[] {
    // The last line break, unless it is a CR ending the chunk (its LF may open the next one).
    let end = chunk.length - 1;
    if (chunk[end] === CR) end--;
    while (end >= 0 && chunk[end] !== LF && chunk[end] !== CR) end--;
    if (end < 0) {
      this.carry = Buffer.concat([this.carry, chunk]);
      // Bytes ≥ characters: at 4× the limit in bytes the line is over it in characters, whatever it holds.
      if (this.carry.length > 4 * this.maxLine) throw this.tooLong();
      return [];
    }
    const whole = this.carry.length > 0 ? Buffer.concat([this.carry, chunk.subarray(0, end + 1)]) : chunk.subarray(0, end + 1);
    this.carry = Buffer.from(chunk.subarray(end + 1));
    let text = whole.toString('utf8');
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out: CsvRecord[] = [];
    // The text ends in a line break, so the last piece is empty.
    const parts = text.includes('\r') ? text.split(/\r\n|\n|\r/) : text.split('\n');
    for (let i = 0; i < parts.length - 1; i++) {
      const line = parts[i]!;
      if (line.length > this.maxLine) throw this.tooLong();
      const cells = line.split(this.delimiter);
      out.push({ line: this.lines.take(cells), cells });
    }
    return out;
  }

  /** What is left unsplit (for csv-parse); the BOM goes if nothing was read before. */
  rest(): Buffer {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (this.first && rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf) return rest.subarray(3);
    this.first = false;
    return rest;
  }

  private tooLong(): SensortraceError {
    return lineTooLong(this.path, this.lines.current, this.maxLine, `a record of a ${this.what}; a quote never closed makes one of the lines after it`);
  }
}

async function* readChunks(path: string): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
}

/** The records csv-parse made of the chunks written so far (it parses a written chunk at once). */
function drain(parser: Parser, lines: LineCounter, path: string, maxLine: number, what: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let cells: string[] | null;
  while ((cells = parser.read() as string[] | null) !== null) out.push({ line: lines.take(cells), cells });
  if (parser.errored) throw asInputError(parser.errored, path, lines.current, maxLine, what);
  return out;
}

/** The records csv-parse only hands out once the input has ended: an unterminated last line. */
async function finish(parser: Parser, lines: LineCounter, path: string, maxLine: number, what: string): Promise<CsvRecord[]> {
  const rest: CsvRecord[] = [];
  try {
    for await (const cells of parser) rest.push({ line: lines.take(cells as string[]), cells: cells as string[] });
  } catch (error) {
    throw asInputError(error, path, lines.current, maxLine, what);
  }
  return rest;
}

/**
 * A quote still open at the end: a torn record in a file we wrote (warned, skipped), an error in
 * a user's file (the rest of the file would otherwise vanish into one cell).
 */
function tornQuote(path: string, line: number, options: CsvFileReadOptions): void {
  if ((options.partialLastLine ?? 'accept') === 'accept') throw inputError({ file: path, line }, 'a quoted cell is never closed');
  options.onWarning?.(`${path}:${line}: ignoring an incomplete last line (the writer was probably killed)`);
}

function asInputError(error: unknown, path: string, line: number, maxLine: number, what: string): SensortraceError {
  if (error instanceof SensortraceError) return error;
  // A record over the cap: one very long line, or a quote never closed swallowing the lines after it.
  if ((error as { code?: string }).code === 'CSV_MAX_RECORD_SIZE') return lineTooLong(path, line, maxLine, `a record of a ${what}; a quote never closed makes one of the lines after it`);
  return inputError({ file: path, line }, `not valid CSV: ${(error as Error).message}`);
}

/** Bytes of a first line read to tell formats apart: a header is far shorter. */
const FIRST_LINE_BYTES = 64 * 1024;

/**
 * The cells of a file's first line (csv-parse, comma), or undefined for an empty file: enough to
 * tell a sent log, a trace, a profile, JSON lines or a mosquitto_sub recording apart without
 * reading on. Only its first 64 KiB are looked at (a longer line comes back cut, which no header
 * matches). A first line that is not whole CSV (a payload's quote never closed) is split plainly.
 */
export function readFirstLineCells(path: string, what = 'file'): string[] | undefined {
  const head = readHead(path, what, FIRST_LINE_BYTES);
  checkUtf8Text(head, path, what);
  if (head.length === 0) return undefined;
  const end = head.findIndex((b) => b === 10 || b === 13);
  let line = head.subarray(0, end < 0 ? head.length : end).toString('utf8');
  if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  try {
    const [cells] = parseSync(line, { relax_quotes: true, relax_column_count: true }) as string[][];
    return cells ?? [''];
  } catch {
    return line.split(',');
  }
}
