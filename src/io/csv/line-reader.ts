/**
 * Whitespace-separated profiles (the tutorial's `1266193804 32`) are not CSV: cells are split on
 * runs of blanks, which csv-parse cannot do (its delimiter is a fixed string). Their lines come
 * from here, one cell per line, and the profile reader splits them. Line-based recordings
 * (mosquitto_sub, JSON lines) are read here too.
 *
 * Lines are cut by hand rather than by node:readline, which holds a line of any length: here a
 * line over `maxLineBytes` is an error at its line number, so memory stays bounded by the cap.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { CsvRecord } from '../../core/csv/csv.js';
import { SensortraceError } from '../../core/errors.js';
import { checkTextInput, INPUT_LIMITS, lineTooLong } from '../input/input-file.js';

const BATCH_LINES = 4096;

export interface LineReadOptions {
  /** What the file is, for errors (`profile`, `trace`). */
  what?: string;
  /** The longest line accepted, in characters (default INPUT_LIMITS.lineBytes). */
  maxLineBytes?: number;
}

/** The file's lines (CRLF, LF or CR), numbered from 1, as one-cell records; a BOM is dropped. */
export async function* readLineBatches(path: string, options: LineReadOptions = {}): AsyncGenerator<CsvRecord[]> {
  const what = options.what ?? 'file';
  const max = options.maxLineBytes ?? INPUT_LIMITS.lineBytes;
  checkTextInput(path, what);
  const decoder = new StringDecoder('utf8');
  let line = 0;
  let pending = '';
  let pendingCr = false;
  let batch: CsvRecord[] = [];
  const push = (text: string): void => {
    line++;
    batch.push({ line, cells: [line === 1 ? text.replace(/^\uFEFF/, '') : text] });
  };
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      let text = decoder.write(chunk as Buffer);
      // A CR LF split across chunks: the LF belongs to the line the CR ended.
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        push(pending + text.slice(start, i));
        pending = '';
        if (c === 13) {
          if (i + 1 === text.length) pendingCr = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      pending += text.slice(start);
      if (pending.length > max) throw lineTooLong(path, line + 1, max, `a line of a ${what}`);
      if (batch.length >= BATCH_LINES) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (error instanceof SensortraceError) throw error;
    throw new SensortraceError(`${path}: cannot read: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
  pending += decoder.end();
  if (pending !== '') push(pending);
  if (batch.length > 0) yield batch;
}
