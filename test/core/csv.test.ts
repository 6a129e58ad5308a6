import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvParser, csvCell, csvLine, decodePayload, encodePayload, escapeFormula, unescapeFormula } from '../../src/core/csv.js';

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

  it('formula escaping is inverted exactly', () => {
    fc.assert(fc.property(fc.string(), (s) => unescapeFormula(escapeFormula(s)) === s));
  });

  it('any byte sequence survives encodePayload → CSV → decodePayload', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 7 }), (bytes, chunk) => {
        const buffer = Buffer.from(bytes);
        const line = csvLine(['x', encodePayload(buffer), 'y']);
        const rows = parseAll(line, chunk);
        expect(rows).toHaveLength(1);
        expect(decodePayload(unescapeFormula(rows[0]![1]!)).equals(buffer)).toBe(true);
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
