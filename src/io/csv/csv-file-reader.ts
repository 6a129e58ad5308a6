import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { CsvParser, type CsvRecord } from '../../core/csv/csv.js';
import { SensortraceError } from '../../core/errors.js';

export interface CsvFileReadOptions {
  delimiter?: string;
  /**
   * Files this toolkit wrote always end in a newline, so an unterminated last line there is
   * a torn write (a killed process): skip it and warn. User-made files often lack the final
   * newline: accept it.
   */
  partialLastLine?: 'accept' | 'skip';
  onWarning?: (message: string) => void;
}

/** Streams the records of a CSV file; a UTF-8 BOM is dropped. Memory stays bounded by one chunk. */
export async function* readCsvRecords(path: string, options: CsvFileReadOptions = {}): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvBatches(path, options)) yield* batch;
}

/**
 * The same records, one array per chunk read (a few thousand lines): for readers of large
 * files, where awaiting every record would cost more than parsing it.
 */
export async function* readCsvBatches(path: string, options: CsvFileReadOptions = {}): AsyncGenerator<CsvRecord[]> {
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
      if (records.length > 0) yield records;
    }
  } catch (error) {
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
