import { rmSync } from 'node:fs';
import { eventsPathFor, type ConnectionEvent } from '../../core/records.js';
import type { StopLatch } from '../../core/trace/stop-latch.js';
import type { TraceStopReason, TraceTally } from '../../core/trace/trace-tally.js';
import type { Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import type { TraceWriter } from '../../io/logs/trace-writer.js';
import { openTraceWriter } from '../../io/parquet/parquet-log-writers.js';

/** The trace file and its events file (both absent without an output). */
export interface TraceFiles {
  writer?: TraceWriter;
  events?: EventsWriter;
}

export interface TraceFileOptions {
  output?: string;
  jsonl?: boolean;
  append?: boolean;
  fsync?: boolean;
  flushIntervalMs?: number;
}

/** Opens both files; a timed flush that fails (a full disk) goes to onWriteError. */
export function openTraceFiles(options: TraceFileOptions, onWriteError: (error: unknown) => void): TraceFiles {
  if (!options.output) return {};
  const append = options.append ?? false;
  const writer = openTraceWriter(options.output, { jsonl: options.jsonl ?? false, append, fsync: options.fsync ?? false, flushIntervalMs: options.flushIntervalMs ?? 1000, onError: onWriteError });
  try {
    return { writer, events: new EventsWriter(eventsPathFor(options.output), { append }) };
  } catch (error) {
    writer.close();
    throw error;
  }
}

/** A trace that never connected leaves no empty file behind that could pass for "nothing arrived". */
export function removeTraceFiles(files: TraceFiles, sysPath?: string): void {
  for (const path of [files.writer?.path, files.events?.path, sysPath]) if (path) rmSync(path, { force: true });
}

/** Closes one of the files; a failure (the last flush) becomes the trace's error. */
export function closeKeepingError(file: { close(): void } | undefined, latch: StopLatch<TraceStopReason>): void {
  try {
    file?.close();
  } catch (error) {
    latch.keep(error);
  }
}

/**
 * The trace's connection events: counted (reconnects, lost sessions), written to the events
 * file (a failed write stops the trace) and passed to onEvent.
 */
export class TraceEventLog {
  constructor(
    private readonly clock: Clock,
    private readonly tally: TraceTally,
    private readonly events: EventsWriter | undefined,
    private readonly onEvent: ((event: ConnectionEvent) => void) | undefined,
    private readonly fail: (error: unknown) => void,
  ) {}

  readonly emit = (event: ConnectionEvent): void => {
    this.tally.noteEvent(event);
    try {
      this.events?.write(event);
    } catch (error) {
      this.fail(error);
    }
    this.onEvent?.(event);
  };

  /** An event of the tracer's own (subscribe, close, a failed resubscribe), stamped now. */
  note(kind: ConnectionEvent['event'], detail?: string): void {
    this.emit({ at: this.clock.now(), source: 'trace', event: kind, ...(detail === undefined ? {} : { detail }) });
  }
}
