import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { cellText, csvLine, csvLineByLibrary, type CellValue } from '../../src/core/csv/csv.js';
import type { CsvRecord } from '../../src/core/csv/csv.js';
import { csvParseOptions, readCsvBatches, type CsvFileReadOptions } from '../../src/io/csv/csv-file-reader.js';
import { readOwnLogBatches } from '../../src/io/csv/own-log-reader.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * The hand-written CSV paths may stay only while they equal the design card's libraries:
 * csvLine() byte for byte with csv-stringify, the own-log reader record for record (cells and
 * line numbers, torn-line warnings) with csv-parse, on random rows.
 */

const dir = tempDir('sensortrace-csv-eq-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Cells built from the characters CSV cares about: quotes, separators, CR/LF, formula prefixes, BOM, blanks. */
const tricky = fc.constantFrom('"', ',', ';', '\n', '\r', '\r\n', '=', '+', '-', '@', '\t', "'", ' ', '\ufeff', 'a', '7', '.', 'é', 'base64:');
const text = fc.oneof(fc.constant(''), fc.array(tricky, { maxLength: 6 }).map((parts) => parts.join('')), fc.string({ maxLength: 8 }));
const value: fc.Arbitrary<CellValue> = fc.oneof(text, text, fc.double(), fc.integer(), fc.boolean(), fc.constantFrom(undefined, null, -3.5, 1e21, -0));
const row = fc.array(value, { minLength: 1, maxLength: 6 });

describe('property: csvLine() equals csv-stringify', () => {
  it('byte for byte on random rows (csv-stringify given the same cellText())', () => {
    fc.assert(
      fc.property(row, (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells.map(cellText)]));
        expect(csvLine(cells)).toBe(csvLineByLibrary(cells));
      }),
      { numRuns: 2000 },
    );
  });
});

async function readAll(read: (path: string, options: CsvFileReadOptions) => AsyncGenerator<CsvRecord[]>, path: string, options: CsvFileReadOptions): Promise<{ records: Array<[number, string[]]>; warnings: string[] }> {
  const warnings: string[] = [];
  const records: Array<[number, string[]]> = [];
  for await (const batch of read(path, { ...options, onWarning: (w) => warnings.push(w) })) for (const r of batch) records.push([r.line, r.cells]);
  return { records, warnings };
}

/** A file as a writer makes it, with the variations a file on disk may have. */
const file = fc.record({
  rows: fc.array(row, { minLength: 0, maxLength: 8 }),
  bom: fc.boolean(),
  crlf: fc.boolean(),
  // A torn last line: the tail of the file cut off at some byte of the last line.
  cut: fc.option(fc.nat(), { nil: undefined }),
});

let n = 0;
describe('property: the own-log reader equals csv-parse', () => {
  // Own logs are always read with partialLastLine 'skip': a torn last line is warned about and dropped.
  it('same records, line numbers and torn-line warnings on random files', async () => {
    await fc.assert(
      fc.asyncProperty(file, async ({ rows, bom, crlf, cut }) => {
        const partialLastLine = 'skip';
        const lines = rows.map((cells) => (crlf ? csvLine(cells).replace(/\n$/, '\r\n') : csvLine(cells)));
        let body = lines.join('');
        if (cut !== undefined && lines.length > 0) body = body.slice(0, body.length - 1 - (cut % lines.at(-1)!.length));
        const path = join(dir, `f${n++}.csv`);
        writeFileSync(path, (bom ? '\ufeff' : '') + body);
        const hand = await readAll(readOwnLogBatches, path, { partialLastLine });
        const library = await readAll(readCsvBatches, path, { partialLastLine });
        expect(hand.records).toEqual(library.records);
        expect(hand.warnings).toEqual(library.warnings);
        // And the streaming wrapper hands out exactly what csv-parse makes of the whole text at once.
        if (cut === undefined) expect(library.records.map(([, cells]) => cells)).toEqual(parse((bom ? '\ufeff' : '') + body, csvParseOptions()));
      }),
      { numRuns: 300 },
    );
  });
});
