import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvParser, cellText, csvCell, csvLine, csvLineByLibrary, cellToPayload, payloadToCell, escapeFormula, unescapeFormula } from '../../../src/core/csv/csv.js';

function parseAll(text: string, chunkSize = text.length || 1): string[][] {
  const parser = new CsvParser();
  const rows: string[][] = [];
  for (let i = 0; i < text.length; i += chunkSize) rows.push(...parser.feed(text.slice(i, i + chunkSize)).map((r) => r.cells));
  const last = parser.end();
  if (last) rows.push(last.cells);
  return rows;
}

describe('csv cells', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['-3.5', '-3.5'],
    ['+1e5', '+1e5'],
    ['-cmd', "'-cmd"],
    ['@x', "'@x"],
    ["'=x", "''=x"],
  ])('writes %j as %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('writes numbers, booleans and missing values', () => {
    expect(csvLine([1.5, true, false, undefined, null, Number.NaN])).toBe('1.5,1,0,,,\n');
  });

  it.each([
    [[1.5, true, false, undefined, null, Number.NaN, -3.5], ['1.5', '1', '0', '', '', '', '-3.5']],
    [['=x', '-cmd', "'@y", '', 'plain'], ["'=x", "'-cmd", "''@y", '', 'plain']],
  ] as const)('cellText(%j) is %j: the text before quoting', (cells, texts) => {
    expect(cells.map(cellText)).toEqual(texts);
  });

  it.each([[['a', 'b,c', 'say "hi"', 'two\nlines', 'cr\r', '=1', 7, false, null]], [['']], [[]]])('csvLine(%j) is what csv-stringify writes', (cells) => {
    expect(csvLine(cells)).toBe(csvLineByLibrary(cells));
  });

  it('formula escaping is inverted exactly', () => {
    fc.assert(fc.property(fc.string(), (s) => unescapeFormula(escapeFormula(s)) === s));
  });

  it('any byte sequence survives payloadToCell → CSV → cellToPayload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 7 }), (bytes, chunk) => {
        const buffer = Buffer.from(bytes);
        const line = csvLine(['x', payloadToCell(buffer), 'y']);
        const rows = parseAll(line, chunk);
        expect(rows).toHaveLength(1);
        expect(cellToPayload(unescapeFormula(rows[0]![1]!)).equals(buffer)).toBe(true);
      }),
    );
  });

  it('any text survives a round trip, split into chunks anywhere', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), (cells, chunk) => {
        const rows = parseAll(csvLine(cells), chunk);
        expect(rows).toEqual([cells.map((c) => escapeFormula(c))]);
      }),
    );
  });
});

describe('CsvParser', () => {
  it('reports the line where each record starts, across quoted newlines and CRLF', () => {
    const parser = new CsvParser();
    const records = parser.feed('a,b\r\n"x\ny",2\r\nlast,3\n');
    expect(records.map((r) => [r.line, r.cells])).toEqual([
      [1, ['a', 'b']],
      [2, ['x\ny', '2']],
      [4, ['last', '3']],
    ]);
    expect(parser.end()).toBeUndefined();
  });

  it('returns an unterminated last record from end(), flagging a torn quote', () => {
    const parser = new CsvParser();
    parser.feed('a,b\n1,"torn');
    const last = parser.end();
    expect(last?.cells).toEqual(['1', 'torn']);
    expect(last?.unterminatedQuote).toBe(true);
  });

  it('splits on another delimiter', () => {
    expect(new CsvParser(';').feed('1;2,5\n')[0]?.cells).toEqual(['1', '2,5']);
  });
});

/**
 * The parser as first written, one character at a time: the fast path for plain lines must
 * give exactly what it gives, records, line numbers and the torn last record alike.
 */
function referenceParse(text: string, d: string): Array<{ line: number; cells: string[]; torn?: boolean }> {
  const out: Array<{ line: number; cells: string[]; torn?: boolean }> = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let started = false;
  let line = 1;
  let recordLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && !started) quoted = started = true;
    else if (ch === d) {
      cells.push(cell);
      cell = '';
      started = false;
    } else if (ch === '\n' || ch === '\r') {
      cells.push(cell);
      out.push({ line: recordLine, cells });
      cells = [];
      cell = '';
      started = false;
      recordLine = ++line;
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else {
      cell += ch;
      started = true;
    }
  }
  if (started || cells.length > 0 || cell !== '' || quoted) out.push({ line: recordLine, cells: [...cells, cell], torn: quoted });
  return out;
}

describe('CsvParser fast path', () => {
  const piece = fc.constantFrom('a', 'bc', ',', ';', '"', '""', '\n', '\r', '\r\n', ' ', '-1.5', 'x"y');
  it('gives what the character-by-character parser gives, for any text split anywhere', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(',', ';'), (pieces, sizes, d) => {
        const text = pieces.join('');
        const parser = new CsvParser(d);
        const got: Array<{ line: number; cells: string[]; torn?: boolean }> = [];
        for (let i = 0, k = 0; i < text.length; i += sizes[k++ % sizes.length]!) {
          got.push(...parser.feed(text.slice(i, i + sizes[k % sizes.length]!)).map((r) => ({ line: r.line, cells: r.cells })));
        }
        const last = parser.end();
        if (last) got.push({ line: last.line, cells: last.cells, torn: last.unterminatedQuote });
        expect(got).toEqual(referenceParse(text, d));
      }),
      { numRuns: 500 },
    );
  });

  it('parses a large plain chunk line by line with the right line numbers', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${i},s${i % 7},${i / 4}\n`).join('');
    const records = new CsvParser().feed(text);
    expect(records).toHaveLength(1000);
    expect(records[999]).toEqual({ line: 1000, cells: ['999', 's5', '249.75'] });
  });
});
