import type { Writable } from 'node:stream';
import { checkGenerateOptions, generatedHeader, generatedRowCount, generateProfileLines, type GenerateProfileOptions } from '../../core/profile/generate.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';

export type { GenerateProfileOptions, GeneratorPattern } from '../../core/profile/generate.js';
export { MAX_GENERATED_READINGS } from '../../core/profile/generate.js';

export interface GenerateProfileResult {
  /** Time steps written (a long or wide profile holds one reading per sensor per step). */
  steps: number;
  readings: number;
  path?: string;
  /** Stopped by the signal before the end: the file holds whole lines, `steps` of them. */
  stopped?: boolean;
}

export interface GenerateProfileRunOptions {
  /** Stops the generation (Ctrl+C): the lines so far are written whole, and the result says so. */
  signal?: AbortSignal;
  /** Called about every megabyte with the time steps written so far. */
  onProgress?: (steps: number, totalSteps: number) => void;
}

/** Bytes generated between two turns of the event loop: enough to keep the loop cheap, small enough that a signal is seen at once. */
const BATCH_BYTES = 1024 * 1024;

/** Lets the event loop run (signal handlers, a stream's 'drain'), so a long generation stays interruptible. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes a synthetic profile to a file (or a stream), streaming: any size up to
 * MAX_GENERATED_READINGS in bounded memory, turning the event loop every megabyte so a signal
 * stops it within moments with every line written whole.
 */
export async function generateProfile(options: GenerateProfileOptions, output: { path: string } | { stream: Writable }, run: GenerateProfileRunOptions = {}): Promise<GenerateProfileResult> {
  checkGenerateOptions(options);
  const totalSteps = generatedRowCount(options);
  const sensors = options.shape === 'single' ? 1 : options.sensors.length;
  const linesPerStep = options.shape === 'long' ? sensors : 1;
  const sink = 'path' in output ? fileSink(output.path) : streamSink(output.stream);
  let lines = 0;
  let batch = '';
  let stopped = false;
  try {
    for (const line of generateProfileLines(options)) {
      batch += line;
      lines++;
      if (batch.length < BATCH_BYTES) continue;
      await sink.write(batch);
      batch = '';
      run.onProgress?.(stepsIn(lines), totalSteps);
      await turn();
      if (run.signal?.aborted || sink.closed) {
        stopped = true;
        break;
      }
    }
    if (batch) await sink.write(batch);
  } finally {
    sink.close();
  }
  function stepsIn(written: number): number {
    return Math.floor((written - (generatedHeader(options) ? 1 : 0)) / linesPerStep);
  }
  const steps = stepsIn(lines);
  return { steps, readings: steps * sensors, ...('path' in output ? { path: output.path } : {}), ...(stopped ? { stopped } : {}) };
}

interface Sink {
  write(text: string): Promise<void>;
  close(): void;
  /** The reader went away (`| head`): nothing more can be written. */
  readonly closed: boolean;
}

function fileSink(path: string): Sink {
  const writer = new BufferedFileWriter(path, { flushIntervalMs: 0, highWaterBytes: BATCH_BYTES });
  return {
    write: (text) => {
      writer.write(text);
      return Promise.resolve();
    },
    close: () => writer.close(),
    closed: false,
  };
}

function streamSink(stream: Writable): Sink {
  return {
    // Respect the stream's back-pressure (a pipe to head, a slow terminal); a stream that closes or fails never drains.
    write: async (text) => {
      if (stream.write(text)) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          for (const event of ['drain', 'close', 'error']) stream.off(event, done);
          resolve();
        };
        for (const event of ['drain', 'close', 'error']) stream.once(event, done);
      });
    },
    close: () => undefined,
    get closed(): boolean {
      return stream.destroyed || stream.writableEnded;
    },
  };
}
