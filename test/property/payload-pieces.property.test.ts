import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceCsvLine, traceCsvPieces, traceJsonLine, traceJsonPieces } from '../../src/core/trace/trace-row.js';
import type { RowPiece } from '../../src/core/csv/payload-pieces.js';
import type { TraceRecord } from '../../src/core/records.js';
import { BufferedFileWriter } from '../../src/io/output/buffered-file-writer.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * A huge payload's row is written in pieces (never one string): the pieces must join to exactly
 * the line traceCsvLine/traceJsonLine writes, for any payload bytes and any other cells.
 */
const joined = (pieces: Iterable<RowPiece>): string =>
  Buffer.concat([...pieces].map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)))).toString('utf8');

const tricky = ['', 'base64:AAAA', '=1+2', "'=x", "''+y", '-3.5', '+7', '-', '-x', '@a', '\tt', '\rr', 'a,"b"\r\nc', '""', '€"€', '\uFEFFbom', '1e5', "'"];

const record = (payload: Buffer, topic: string, seq: number | undefined, value: number | undefined): TraceRecord => ({
  receivedAt: 1_700_000_000_123.25,
  topic,
  qos: 1,
  retain: false,
  dup: true,
  payload,
  ...(seq === undefined ? {} : { seq, sensor: 's,"1"', profileTime: 1_700_000_000_000, publishedAt: 1_700_000_000_100 }),
  ...(value === undefined ? {} : { value, latencyMs: 23.25 }),
});

describe('property: a row in pieces equals the row as one line', () => {
  it('CSV and JSON lines, any payload bytes', () => {
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'grapheme', maxLength: 80 }).map((s) => Buffer.from(s)),
      fc.constantFrom(...tricky).map((s) => Buffer.from(s)),
      fc.tuple(fc.constantFrom(...tricky), fc.string({ unit: 'grapheme', maxLength: 20 })).map(([a, b]) => Buffer.from(a + b)),
    );
    const topic = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom(',"payload":""', '=a', 'a,b'));
    fc.assert(
      fc.property(payload, topic, fc.option(fc.nat(), { nil: undefined }), fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }), (bytes, t, seq, value) => {
        const r = record(bytes, t, seq, value);
        expect(joined(traceCsvPieces(r))).toBe(traceCsvLine(r));
        expect(joined(traceJsonPieces(r))).toBe(traceJsonLine(r));
      }),
      { numRuns: 600, seed: 17 },
    );
  });

  it('payloads spanning several slices (binary, text with quotes, a character across a slice edge)', () => {
    const slice = 3 << 14;
    const binary = Buffer.alloc(slice * 2 + 5);
    for (let i = 0; i < binary.length; i++) binary[i] = (i * 7919) & 0xff;
    const text = Buffer.from(`${'a"b,'.repeat(slice / 2)}€`.padStart(slice + 1, 'x'));
    const invalidLate = Buffer.concat([Buffer.alloc(slice + 10, 0x41), Buffer.from([0xc3])]);
    for (const bytes of [binary, text, invalidLate]) {
      const r = record(bytes, 't', 1, 2);
      expect(joined(traceCsvPieces(r))).toBe(traceCsvLine(r));
      expect(joined(traceJsonPieces(r))).toBe(traceJsonLine(r));
      // Through the writer's staging buffer too (pieces bigger and smaller than it).
      const path = join(tempDir(), 'row.csv');
      const writer = new BufferedFileWriter(path, { flushIntervalMs: 0 });
      writer.write('head\n');
      writer.writeRow(traceCsvPieces(r));
      writer.write('tail\n');
      writer.close();
      expect(readFileSync(path, 'utf8')).toBe(`head\n${traceCsvLine(r)}tail\n`);
      expect(writer.rowsWritten).toBe(3);
    }
  });
});
