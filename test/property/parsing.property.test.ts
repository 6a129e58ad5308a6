import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, csvLine, cellToPayload, payloadToCell, unescapeFormula } from '../../src/core/csv/csv.js';
import { isSensortraceError } from '../../src/core/errors.js';
import { decodeReading, encodeReading } from '../../src/core/mqtt/payload.js';
import { loopPeriodMs, plannedOffset, type Pacing } from '../../src/core/schedule/schedule.js';
import { inspectProfile, readProfileInTimeOrder } from '../../src/io/input/profile-reader.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * Properties over generated input (fast-check): readers either return data or fail with a
 * located SensortraceError, and whatever they return is safe for the next stage.
 */

const dir = tempDir('sensortrace-prop-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Text that looks enough like a profile to reach the deeper checks, with hostile cells mixed in. */
const cell = fc.oneof(
  fc.constantFrom('', ' ', '1700000000', '1700000000.5', '-5', '1e400', 'NaN', 'Infinity', '-0', '2024-06-01T08:00:00Z', '2024-13-45 99:99:99', '19,5', '"', '""', '#', 'x', '0x10', '1_000', '\u0000', '\ufeff'),
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -2e9, max: 4e9 }).map(String),
  fc.string({ maxLength: 6 }),
);
const line = fc.array(cell, { minLength: 1, maxLength: 4 }).chain((cells) => fc.constantFrom(',', ';', '\t', ' ').map((d) => cells.join(d)));
/** Mostly-valid profiles: times in any unit and order, values from the whole double range. */
const nearValid = fc
  .tuple(
    fc.constantFrom('time,value', 'time,sensor,value', ''),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 5e12 }), fc.double({ min: 0, max: 1e7, noNaN: true })), fc.constantFrom('a', 'b'), fc.oneof(fc.double(), fc.integer())), { minLength: 1, maxLength: 12 }),
    fc.boolean(),
  )
  .map(([header, rows, sorted]) => {
    const ordered = sorted ? [...rows].sort((x, y) => x[0] - y[0]) : rows;
    const lines = ordered.map(([t, sensor, v]) => (header === 'time,sensor,value' ? `${t},${sensor},${v}` : `${t},${v}`));
    return [header, ...lines].filter((l) => l !== '').join('\n');
  });
const profileText = fc.oneof(
  nearValid,
  nearValid,
  fc.array(line, { minLength: 0, maxLength: 8 }).map((lines) => lines.join('\n')),
  fc.tuple(fc.constantFrom('time,value', 'time;sensor;value', 'time,a,b', '', '# comment'), fc.array(line, { maxLength: 6 })).map(([h, l]) => [h, ...l].join('\n')),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);
const pacings: Pacing[] = [{ mode: 'profile' }, { mode: 'speed', factor: 7.5 }, { mode: 'rate', hz: 3 }];

let fileNo = 0;
describe('property: profile parsing', () => {
  it('any text gives readings or a located SensortraceError; no NaN or negative delay reaches the scheduler', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(profileText, async (text) => {
        const path = join(dir, `p${fileNo++}.csv`);
        writeFileSync(path, text);
        let summary;
        try {
          summary = await inspectProfile(path);
        } catch (error) {
          expect(isSensortraceError(error), String((error as Error).stack)).toBe(true);
          // Located: the file is named, and a line when the problem is in one.
          expect((error as Error).message).toContain(path);
          refused++;
          return;
        }
        const schedule = { firstTime: summary.firstTime, loopPeriodMs: loopPeriodMs(summary.durationMs, summary.distinctTimes) };
        expect(Number.isFinite(schedule.loopPeriodMs)).toBe(true);
        let index = 0;
        for await (const row of readProfileInTimeOrder(path, summary)) {
          expect(Number.isFinite(row.time)).toBe(true);
          expect(Number.isFinite(row.value)).toBe(true);
          for (const pacing of pacings) {
            for (const pass of [0, 1]) {
              const offset = plannedOffset({ ...schedule, pacing }, row.time, index, pass);
              expect(Number.isFinite(offset), `offset for ${JSON.stringify(row)}`).toBe(true);
              expect(offset!).toBeGreaterThanOrEqual(0);
            }
          }
          index++;
        }
        expect(index).toBe(summary.rows);
        accepted++;
      }),
      { numRuns: 300 },
    );
    // Both branches were exercised, or the property proved little.
    expect(accepted).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});

describe('property: payload decoding', () => {
  it('any bytes decode without throwing, to finite numbers only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), fc.json().map((j) => Buffer.from(j)), fc.string().map((s) => Buffer.from(s))), (bytes) => {
        const decoded = decodeReading(bytes);
        for (const key of ['seq', 'time', 'value', 'sentAt'] as const) {
          if (decoded[key] !== undefined) expect(Number.isFinite(decoded[key])).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('what replay encodes decodes back (json and plain)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }).map((s) => s * 1000),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => Math.round(v * 1e6) / 1e6),
        (seq, sensor, time, value) => {
          const json = decodeReading(Buffer.from(encodeReading('json', { seq, sensor, time, value }, time + 5)));
          expect(json).toMatchObject({ seq, sensor, time, sentAt: time + 5 });
          expect(json.value).toBeCloseTo(value, 5);
          const plain = decodeReading(Buffer.from(encodeReading('plain', { seq, sensor, time, value }, time)));
          expect(plain.time).toBe(time);
          expect(plain.value).toBeCloseTo(value, 5);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('property: CSV writing', () => {
  it('any cells written with csvLine parse back to the same cells, however the text is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 7 }), (rows, chunk) => {
        // A record of one empty cell is a blank line; give such rows a second cell.
        const records = rows.map((r) => (r.length === 1 && r[0] === '' ? ['', 'x'] : r));
        const text = records.map((r) => csvLine(r)).join('');
        const parser = new CsvParser();
        const parsed: string[][] = [];
        for (let i = 0; i < text.length; i += chunk) parsed.push(...parser.feed(text.slice(i, i + chunk)).map((r) => r.cells));
        const last = parser.end();
        if (last) parsed.push(last.cells);
        expect(parsed.map((r) => r.map(unescapeFormula))).toEqual(records);
      }),
      { numRuns: 500 },
    );
  });

  it('any payload bytes survive the payload cell', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.string({ unit: 'grapheme' }).map((s) => Buffer.from(s))), (bytes) => {
        const written = csvLine(['x', payloadToCell(bytes)]);
        const parser = new CsvParser();
        const fed = parser.feed(written);
        const last = parser.end();
        const [record, ...rest] = [...fed, ...(last ? [last] : [])];
        expect(rest).toEqual([]);
        expect(cellToPayload(unescapeFormula(record!.cells[1]!)).equals(bytes)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
