import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseSync } from 'csv-parse/sync';
import { csvParseOptions, LineCounter, readCsvBatches, type CsvFileReadOptions } from '../../../src/io/csv/csv-file-reader.js';
import { readLineBatches } from '../../../src/io/csv/line-reader.js';
import { tempDir } from '../../helpers/brokers.js';

const dir = tempDir('sensortrace-csv-reader-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string): string {
  const path = join(dir, `f${n++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function read(text: string, options: CsvFileReadOptions = {}): Promise<{ records: Array<[number, string[]]>; warnings: string[] }> {
  const path = file(text);
  const warnings: string[] = [];
  const records: Array<[number, string[]]> = [];
  for await (const batch of readCsvBatches(path, { ...options, onWarning: (w) => warnings.push(w.slice(path.length)) })) for (const r of batch) records.push([r.line, r.cells]);
  return { records, warnings };
}

describe('readCsvBatches (csv-parse)', () => {
  it.each([
    ['LF', 'a,b\n1,2\n', [[1, ['a', 'b']], [2, ['1', '2']]]],
    ['CRLF, LF and CR mixed in one file', 'a\r\nb\nc\rd\n', [[1, ['a']], [2, ['b']], [3, ['c']], [4, ['d']]]],
    ['a BOM is dropped', '\ufefftime,value\n1,2\n', [[1, ['time', 'value']], [2, ['1', '2']]]],
    ['quoted cells with separators, quotes and line breaks keep their start line', 'x,"a,b"\n"say ""hi""","two\r\nlines"\nlast,"3\n4\n5"\nend\n', [[1, ['x', 'a,b']], [2, ['say "hi"', 'two\r\nlines']], [4, ['last', '3\n4\n5']], [7, ['end']]]],
    ['empty lines stay, as one empty cell', 'a\n\nb\n', [[1, ['a']], [2, ['']], [3, ['b']]]],
    ['rows of any length, empty cells', ',\n,,\nx\n', [[1, ['', '']], [2, ['', '', '']], [3, ['x']]]],
    ['a stray quote inside a cell is text', 'a"b,c\n', [[1, ['a"b', 'c']]]],
    ['formula escapes are left for the reader to undo', "'=1,'-x\n", [[1, ["'=1", "'-x"]]]],
    ['a last line without newline is accepted', 'a\nb', [[1, ['a']], [2, ['b']]]],
  ] as const)('%s', async (_name, text, expected) => {
    expect((await read(text)).records).toEqual(expected);
  });

  it('another delimiter', async () => {
    expect((await read('t;v\n1;2,5\n', { delimiter: ';' })).records).toEqual([[1, ['t', 'v']], [2, ['1', '2,5']]]);
  });

  it("skips a torn last line of a file we wrote, with a warning at its line ('skip')", async () => {
    expect(await read('a,b\n1,2\n3,', { partialLastLine: 'skip' })).toEqual({ records: [[1, ['a', 'b']], [2, ['1', '2']]], warnings: [':3: ignoring an incomplete last line (the writer was probably killed)'] });
    expect(await read('a,b\n1,"torn\nmore', { partialLastLine: 'skip' })).toEqual({ records: [[1, ['a', 'b']]], warnings: [':2: ignoring an incomplete last line (the writer was probably killed)'] });
    expect(await read('0\n"', { partialLastLine: 'skip' })).toEqual({ records: [[1, ['0']]], warnings: [':2: ignoring an incomplete last line (the writer was probably killed)'] });
  });

  it("refuses a quote never closed in a user's file, at the line it opens", async () => {
    const path = file('time,value\n1,"2\n3,4\n');
    const consume = async (): Promise<void> => {
      for await (const batch of readCsvBatches(path)) void batch;
    };
    await expect(consume()).rejects.toThrow(`${path}:2: a quoted cell is never closed`);
  });

  it('keeps line numbers across chunks (a quoted cell spanning the 256 KiB chunk edge)', async () => {
    const fillerLines: string[] = [];
    let size = 0;
    while (size < 256 * 1024 - 8) {
      const line = `${fillerLines.length},x\n`;
      fillerLines.push(line);
      size += line.length;
    }
    const text = `${fillerLines.join('')}"multi\nline\ncell",y\nafter,z\n`;
    const { records } = await read(text);
    const start = text.indexOf('"multi');
    expect(start).toBeLessThan(256 * 1024);
    expect(start + 16).toBeGreaterThan(256 * 1024);
    const first = fillerLines.length + 1;
    expect(records.at(-2)).toEqual([first, ['multi\nline\ncell', 'y']]);
    expect(records.at(-1)).toEqual([first + 3, ['after', 'z']]);
  });

  it('a missing file is an input error naming it', async () => {
    const path = join(dir, 'missing.csv');
    const consume = async (): Promise<void> => {
      for await (const batch of readCsvBatches(path)) void batch;
    };
    await expect(consume()).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(new RegExp(`^${path}: cannot read the file: no such file`)) as unknown });
  });
});

describe('LineCounter', () => {
  it.each([
    [[['a'], ['b']], [1, 2]],
    [[['x\ny'], ['z']], [1, 3]],
    [[['x\r\ny', 'p\nq\nr'], ['z']], [1, 5]],
    [[['lone\rcr'], ['z']], [1, 2]],
  ])('%j starts on lines %j', (records, lines) => {
    const counter = new LineCounter();
    expect(records.map((cells) => counter.take(cells))).toEqual(lines);
  });
});

describe('readLineBatches (whitespace profiles)', () => {
  it('numbers CRLF, LF and CR lines from 1 and drops a BOM', async () => {
    const path = file('\ufeff1 2\r\n3  4\n\n5\t6\r7 8');
    const lines: Array<[number, string]> = [];
    for await (const batch of readLineBatches(path)) for (const r of batch) lines.push([r.line, r.cells[0]!]);
    expect(lines).toEqual([[1, '1 2'], [2, '3  4'], [3, ''], [4, '5\t6'], [5, '7 8']]);
  });
});

describe('readCsvBatches: quote-free chunks split by hand, csv-parse from the first quote on', () => {
  /** What csv-parse alone makes of the text, with the line numbers LineCounter gives. */
  function byCsvParse(text: string): Array<[number, string[]]> {
    const lines = new LineCounter();
    const cells = parseSync(text, csvParseOptions(',')) as string[][];
    return cells.map((c) => [lines.take(c), c]);
  }

  it('the same records and line numbers as csv-parse over chunk boundaries (CRLF, CR, multi-byte characters, BOM, a late quote)', async () => {
    const endings = ['\n', '\r\n', '\r'];
    const rows: string[] = [];
    for (let i = 0; i < 60_000; i++) rows.push(`${1_700_000_000 + i},${i % 13 === 0 ? 'é€' : ''}${(i / 7).toFixed(3)}${i % 17 === 0 ? ',x' : ''}${endings[i % 3]!}${i % 101 === 0 ? '\n' : ''}`);
    const plain = `\ufefftime,value\n${rows.join('')}`;
    // Over several 256 KiB chunks; a quoted cell (with a line break inside) only in a later chunk.
    const quoted = `${plain}1,"a,\nb"\n${rows.slice(0, 20_000).join('')}`;
    for (const text of [plain, quoted, `${plain}1,2`, `${plain}1,2\r`]) {
      const { records } = await read(text);
      expect(records).toEqual(byCsvParse(text));
      // The benchmark's library side (plainFastPath: false) reads the same records.
      expect((await read(text, { plainFastPath: false })).records).toEqual(records);
    }
  });
});
