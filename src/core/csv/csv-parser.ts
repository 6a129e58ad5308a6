/**
 * The hand-written CSV record parser (RFC 4180 quotes, CRLF/LF/CR), pure and incremental.
 * Used only as the fast path for logs sensortrace wrote itself (io/csv/own-log-reader.ts):
 * `npm run bench -- --only csv` shows it several times faster than csv-parse there, and a
 * fast-check property (test/property/csv-equivalence.property.test.ts) holds its records equal
 * to csv-parse's. Every other CSV is read with csv-parse.
 */

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
  /** Characters of the record not yet handed out (what a cap on line length bounds). */
  private pending = 0;

  constructor(private readonly delimiter = ',') {}

  /** Characters held for the unfinished record: a reader refuses a record over its cap. */
  get pendingChars(): number {
    return this.pending;
  }

  /** The line the unfinished record starts on. */
  get pendingLine(): number {
    return this.recordLine;
  }

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
          this.pending = n - i;
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
    const dCode = d.length === 1 ? d.charCodeAt(0) : -1;
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
          // Up to the next quote in one slice: a long quoted cell costs no per-character work.
          const quote = chunk.indexOf('"', i);
          const end = quote < 0 ? chunk.length : quote;
          const part = chunk.slice(i, end);
          for (let at = part.indexOf('\n'); at >= 0; at = part.indexOf('\n', at + 1)) this.line++;
          this.cell += part;
          this.pending += part.length;
          i = end - 1;
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
        this.pending = 0;
        this.line++;
        this.recordLine = this.line;
        if (ch === '\r') this.pendingCr = true;
        else return i + 1;
      } else {
        // Up to the next delimiter or line end in one slice (a quote inside a started cell is text).
        let end = i + 1;
        for (; end < chunk.length; end++) {
          const c = chunk.charCodeAt(end);
          if (c === dCode || c === 10 || c === 13) break;
        }
        this.cell += chunk.slice(i, end);
        this.pending += end - i;
        this.cellStarted = true;
        i = end - 1;
      }
    }
    return chunk.length;
  }

  /** The unterminated last record, if the input did not end with a newline. */
  end(): CsvRecord | undefined {
    if (!this.cellStarted && this.cells.length === 0 && this.cell === '' && !this.quoted) return undefined;
    this.cells.push(this.cell);
    const record = { line: this.recordLine, cells: this.cells, unterminatedQuote: this.quoted };
    this.pending = 0;
    this.cells = [];
    this.cell = '';
    this.cellStarted = false;
    this.quoted = false;
    return record;
  }
}
