/**
 * Whitespace-separated profiles (the tutorial's `1266193804 32`) are not CSV: cells are split on
 * runs of blanks, which csv-parse cannot do (its delimiter is a fixed string). Their lines come
 * from here, one cell per line, and the profile reader splits them.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CsvRecord } from '../../core/csv/csv.js';
import { SensortraceError } from '../../core/errors.js';

const BATCH_LINES = 4096;

/** The file's lines (CRLF, LF or CR), numbered from 1, as one-cell records; a BOM is dropped. */
export async function* readLineBatches(path: string): AsyncGenerator<CsvRecord[]> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 }), crlfDelay: Infinity });
  let line = 0;
  let batch: CsvRecord[] = [];
  try {
    for await (const raw of lines) {
      line++;
      batch.push({ line, cells: [line === 1 ? raw.replace(/^\uFEFF/, '') : raw] });
      if (batch.length >= BATCH_LINES) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  } finally {
    lines.close();
  }
  if (batch.length > 0) yield batch;
}
