import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { SensortraceError } from '../../core/errors.js';
import { systemClock, type Clock } from '../clock.js';
import { prepareOutputPath } from './output-path.js';

export interface BufferedFileWriterOptions {
  /** Append to an existing file instead of truncating it. */
  append?: boolean;
  /** Flush at least this often (ms) while rows are pending; 0 disables the timer. */
  flushIntervalMs?: number;
  /** Flush as soon as this many bytes are pending. */
  highWaterBytes?: number;
  /** fsync after every flush so a flushed row survives a power cut. */
  fsync?: boolean;
  /**
   * A flush on the timer has no caller to throw to: its failure (a full disk) goes here, so the
   * use case can stop. It is also thrown by the next write(), flush() or close().
   */
  onError?: (error: SensortraceError) => void;
  /** Drives the flush timer (tests pass a fake one). */
  clock?: Clock;
}

/** writeRow()'s staging buffer: small pieces are gathered into writes of about this size. */
const STAGING_BYTES = 1 << 20;

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/**
 * An output file written in whole lines. Rows are buffered in memory and written with
 * synchronous writes, so a flush is complete when it returns: a signal handler or an
 * exit path can call flush() and know every row handed over is in the file, and a crash
 * never tears a row in the middle of the file (at most the final line).
 */
export class BufferedFileWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Cancels the pending timed flush, when one is set. */
  private timer: (() => void) | undefined;
  private readonly clock: Clock;
  private readonly flushIntervalMs: number;
  private readonly highWaterBytes: number;
  private readonly durable: boolean;
  private readonly onError: ((error: SensortraceError) => void) | undefined;
  /** A failed timer flush, thrown to whoever uses the writer next. */
  private failure: SensortraceError | undefined;
  /** Rows written to the file so far (flushed). */
  rowsWritten = 0;
  private rowsPending = 0;

  constructor(
    readonly path: string,
    options: BufferedFileWriterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.highWaterBytes = options.highWaterBytes ?? 64 * 1024;
    this.durable = options.fsync ?? false;
    this.onError = options.onError;
    this.clock = options.clock ?? systemClock;
    // Folders are created level by level (never a recursive mkdir: see output-path.ts).
    prepareOutputPath(path);
    try {
      this.fd = openSync(path, options.append ? 'a' : 'w');
    } catch (error) {
      throw new SensortraceError(`${path}: cannot open for writing: ${(error as Error).message}`, 'E_OUTPUT', { file: path }, { cause: error });
    }
  }

  /** True when the file is empty (a header is still owed). */
  get isEmpty(): boolean {
    return this.fd !== undefined && fstatSync(this.fd).size === 0;
  }

  write(line: string): void {
    if (this.failure) throw this.failure;
    if (this.fd === undefined) throw new SensortraceError(`${this.path}: write after close`, 'E_INTERNAL');
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.rowsPending++;
    if (this.pendingBytes >= this.highWaterBytes) this.flush();
    else if (this.timer === undefined && this.flushIntervalMs > 0) {
      this.timer = this.clock.setTimer(this.clock.now() + this.flushIntervalMs, () => this.timedFlush());
    }
  }

  private timedFlush(): void {
    this.timer = undefined;
    try {
      this.flush();
    } catch (error) {
      this.failure = error as SensortraceError;
      this.onError?.(this.failure);
    }
  }

  /**
   * One row given in pieces (strings, or byte views such as slices of a payload), for rows too big
   * to build as one string: rows pending go first, then the pieces straight to the file through a
   * small staging buffer, so the row is in the file, whole, when this returns (as after flush()).
   * Nothing here yields to the event loop, so a signal handler never sees half of it.
   */
  writeRow(pieces: Iterable<string | Uint8Array>): void {
    this.flush();
    if (this.fd === undefined) throw new SensortraceError(`${this.path}: write after close`, 'E_INTERNAL');
    const fd = this.fd;
    try {
      const staging = Buffer.allocUnsafe(STAGING_BYTES);
      let used = 0;
      const put = (data: Uint8Array): void => {
        if (used + data.length > staging.length && used > 0) {
          writeAll(fd, staging.subarray(0, used));
          used = 0;
        }
        if (data.length >= staging.length) writeAll(fd, data);
        else {
          staging.set(data, used);
          used += data.length;
        }
      };
      for (const piece of pieces) {
        if (typeof piece !== 'string') put(piece);
        // A UTF-16 unit is at most 3 UTF-8 bytes: a piece that surely fits is encoded in place.
        else if (piece.length * 3 <= staging.length - used) used += staging.write(piece, used, 'utf8');
        else put(Buffer.from(piece, 'utf8'));
      }
      writeAll(fd, staging.subarray(0, used));
      if (this.durable) fsyncSync(fd);
    } catch (error) {
      throw new SensortraceError(`${this.path}: write failed: ${(error as Error).message}`, 'E_OUTPUT', { file: this.path }, { cause: error });
    }
    this.rowsWritten++;
  }

  flush(): void {
    if (this.failure) throw this.failure;
    if (this.timer !== undefined) {
      this.timer();
      this.timer = undefined;
    }
    if (this.fd === undefined || this.pending.length === 0) return;
    // One row (trace flushes each QoS 1/2 row before acknowledging it): no array join.
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    try {
      writeAll(this.fd, Buffer.from(text, 'utf8'));
      if (this.durable) fsyncSync(this.fd);
    } catch (error) {
      throw new SensortraceError(`${this.path}: write failed: ${(error as Error).message}`, 'E_OUTPUT', { file: this.path }, { cause: error });
    }
    this.rowsWritten += this.rowsPending;
    this.rowsPending = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
