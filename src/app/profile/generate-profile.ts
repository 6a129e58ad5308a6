import type { Writable } from 'node:stream';
import { generateProfileLines, generatedRowCount, type GenerateProfileOptions } from '../../core/profile/generate.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';

export type { GenerateProfileOptions, GeneratorPattern } from '../../core/profile/generate.js';

export interface GenerateProfileResult {
  /** Time steps (a long or wide profile holds one reading per sensor per step). */
  steps: number;
  readings: number;
  path?: string;
}

/** Writes a synthetic profile to a file (or a stream), streaming: any size in bounded memory. */
export async function generateProfile(options: GenerateProfileOptions, output: { path: string } | { stream: Writable }): Promise<GenerateProfileResult> {
  const steps = generatedRowCount(options);
  const readings = steps * (options.shape === 'single' ? 1 : options.sensors.length);
  if ('path' in output) {
    const writer = new BufferedFileWriter(output.path, { flushIntervalMs: 0, highWaterBytes: 1024 * 1024 });
    try {
      for (const line of generateProfileLines(options)) writer.write(line);
    } finally {
      writer.close();
    }
    return { steps, readings, path: output.path };
  }
  let batch = '';
  for (const line of generateProfileLines(options)) {
    batch += line;
    if (batch.length >= 64 * 1024) {
      // Respect the stream's back-pressure (a pipe to head, a slow terminal).
      if (!output.stream.write(batch)) await new Promise<void>((resolve) => output.stream.once('drain', resolve));
      batch = '';
    }
  }
  if (batch) output.stream.write(batch);
  return { steps, readings };
}
