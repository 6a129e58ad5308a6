/**
 * The hand-written fast path for the logs sensortrace writes itself (sent log, trace): the
 * CsvParser of core/csv, which splits a line without quotes or CRs with one indexOf per cell.
 * Kept only because `npm run bench -- --only csv` measures it at least 2× faster than csv-parse
 * on the same file, and test/property/csv-equivalence.property.test.ts holds its records equal to
 * csv-parse's on random rows. Every other CSV goes through csv-file-reader.ts (csv-parse).
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CsvParser, type CsvRecord } from '../../core/csv/csv.js';
import { SensortraceError } from '../../core/errors.js';
import { checkTextInput, INPUT_LIMITS, lineTooLong } from '../input/input-file.js';
import type { CsvFileReadOptions } from './csv-file-reader.js';

/** readCsvBatches() over the hand-written parser: same records, same warnings, same bounds. */
export async function* readOwnLogBatches(path: string, options: CsvFileReadOptions = {}): AsyncGenerator<CsvRecord[]> {
  const what = options.what ?? 'log';
  const max = options.maxLineBytes ?? INPUT_LIMITS.ownLogLineBytes;
  checkTextInput(path, what);
  const parser = new CsvParser(options.delimiter ?? ',');
  const decoder = new StringDecoder('utf8');
  let first = true;
  let ascii = true;
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) {
      // Pure ASCII (what this toolkit writes, mostly) is the same text read as latin1, which
      // skips UTF-8 decoding. After the first non-ASCII chunk the decoder does all the rest:
      // it may hold the first bytes of a character split across chunks.
      const buffer = chunk as Buffer;
      if (ascii && !isAscii(buffer)) ascii = false;
      let text = ascii ? buffer.toString('latin1') : decoder.write(buffer);
      if (first) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      const records = parser.feed(text);
      if (parser.pendingChars > max) throw lineTooLong(path, parser.pendingLine, max, `a record of a ${what}`);
      if (records.length > 0) yield records;
    }
  } catch (error) {
    if (error instanceof SensortraceError) throw error;
    throw new SensortraceError(`${path}: cannot read: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
  const tail = parser.feed(decoder.end());
  const last = parser.end();
  if (last !== undefined) {
    if ((options.partialLastLine ?? 'accept') === 'skip' || last.unterminatedQuote) {
      options.onWarning?.(`${path}:${last.line}: ignoring an incomplete last line (the writer was probably killed)`);
    } else tail.push(last);
  }
  if (tail.length > 0) yield tail;
}
