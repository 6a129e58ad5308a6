import { closeSync, existsSync, ftruncateSync, openSync, readSync, statSync } from 'node:fs';
import { checkInputFile, checkUtf8Text } from '../input/input-file.js';
import { inputError } from '../../core/errors.js';
import type { TraceRecord } from '../../core/records.js';
import { STREAMED_PAYLOAD_BYTES, type RowPiece } from '../../core/csv/payload-pieces.js';
import { traceCsvHeader, traceCsvLine, traceCsvPieces, traceJsonLine, traceJsonPieces } from '../../core/trace/trace-row.js';
import { BufferedFileWriter } from '../output/buffered-file-writer.js';

export interface TraceWriterOptions {
  /** One JSON object per line instead of CSV. */
  jsonl?: boolean;
  append?: boolean;
  fsync?: boolean;
  flushIntervalMs?: number;
  /** A timed flush failed (a full disk): see BufferedFileWriterOptions.onError. */
  onError?: (error: Error) => void;
}

/**
 * The trace file: CSV with TRACE_COLUMNS (header first, once, also when appending to an
 * existing trace) or JSON lines. write() hands the row over; once it returns, the row is in
 * memory that close()/flush() — including a signal path — puts in the file.
 */
export class TraceWriter {
  private readonly writer: BufferedFileWriter;
  private readonly format: (record: TraceRecord) => string;
  private readonly pieces: (record: TraceRecord) => Iterable<RowPiece>;
  /** Rows handed over (written or pending). */
  rowsAccepted = 0;

  constructor(path: string, options: TraceWriterOptions = {}) {
    // Appending to a file that is not a trace would mix rows into it (or, a torn line dropped, cut it): refuse before touching it.
    if (options.append) checkIsTrace(path, Boolean(options.jsonl));
    // A killed tracer may have left half a row at the end: appending after it would put a torn
    // row in the middle of the file, so it goes (it was never acknowledged as written).
    if (options.append && existsSync(path) && statSync(path).isFile()) dropPartialLastLine(path);
    const hadContent = Boolean(options.append) && existsSync(path) && statSync(path).size > 0;
    const writerOptions: ConstructorParameters<typeof BufferedFileWriter>[1] = { append: Boolean(options.append), flushIntervalMs: options.flushIntervalMs ?? 1000 };
    if (options.fsync) writerOptions.fsync = true;
    if (options.onError) writerOptions.onError = options.onError;
    this.writer = new BufferedFileWriter(path, writerOptions);
    this.format = options.jsonl ? traceJsonLine : traceCsvLine;
    this.pieces = options.jsonl ? traceJsonPieces : traceCsvPieces;
    if (!options.jsonl && !hadContent) {
      this.writer.write(traceCsvHeader());
      this.writer.flush();
    }
    // The header is not a row: count only what callers hand over.
    this.baseRows = this.writer.rowsWritten;
  }

  private readonly baseRows: number;

  get path(): string {
    return this.writer.path;
  }

  /** Rows that are in the file (flushed). */
  get rowsWritten(): number {
    return this.writer.rowsWritten - this.baseRows;
  }

  /**
   * A row with a payload over STREAMED_PAYLOAD_BYTES goes to the file at once, in pieces (the
   * rows before it first): never one string of it (≈ 4/3 of the payload as base64, then copied
   * twice more), so a huge payload costs the tracer little beyond the payload itself.
   */
  write(record: TraceRecord): void {
    if (record.payload.length > STREAMED_PAYLOAD_BYTES) this.writer.writeRow(this.pieces(record));
    else this.writer.write(this.format(record));
    this.rowsAccepted++;
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}

/**
 * The first line of a file without its line end, from its first 64 KiB (a longer first line
 * comes back cut, which no header matches); undefined for an empty or missing file.
 */
export function firstLineOf(path: string): string | undefined {
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, 0);
    if (n === 0) return undefined;
    // UTF-16 or binary: named as such, not shown as a garbled first line.
    checkUtf8Text(chunk.subarray(0, n), path, 'log');
    const end = chunk.subarray(0, n).indexOf(0x0a);
    return chunk.subarray(0, end < 0 ? n : end).toString('utf8').replace(/\r$/, '');
  } finally {
    closeSync(fd);
  }
}

/** `--append` adds to a trace only: a CSV trace starts with its header, a JSON-lines one with `{"received_at":`. */
function checkIsTrace(path: string, jsonl: boolean): void {
  // A FIFO or device is no trace to add to, and opening a FIFO would wait for a reader for ever.
  if (existsSync(path) && !statSync(path).isFile()) checkInputFile(path, 'trace to append to');
  const first = firstLineOf(path);
  if (first === undefined) return;
  const header = traceCsvHeader().trimEnd();
  const isTrace = jsonl ? first.startsWith('{"received_at":') : first === header;
  if (!isTrace) throw inputError({ file: path, line: 1 }, `not a ${jsonl ? 'JSON-lines ' : ''}trace: --append adds only to a file trace wrote (left untouched)`, first);
}

/** Cuts a file back to its last newline (a no-op when it ends with one). */
function dropPartialLastLine(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    const size = statSync(path).size;
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const at = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (at >= 0) {
        if (start + at + 1 < size) ftruncateSync(fd, start + at + 1);
        return;
      }
      end = start;
    }
    ftruncateSync(fd, 0);
  } finally {
    closeSync(fd);
  }
}
