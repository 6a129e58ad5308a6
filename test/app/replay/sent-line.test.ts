import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvLine } from '../../../src/core/csv/csv.js';
import type { SentRecord } from '../../../src/core/records.js';
import { sentLogLine } from '../../../src/io/logs/sent-log-writer.js';

const ms = (v: number | undefined): string => (v === undefined ? '' : v.toFixed(3));
/** The sent log row as the contract defines it: every cell through csvLine(). */
const reference = (r: SentRecord): string => csvLine([r.seq, r.sensor, r.topic, r.qos, r.retain, ms(r.profileTime), r.value, ms(r.plannedAt), ms(r.publishedAt), ms(r.ackedAt), r.payload]);

describe('sentLogLine', () => {
  it('writes exactly what csvLine writes, for any record (formula-like, quoted, repeated cells)', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom('hdd0', '=1+2', '-x', 'a,b', 'say "hi"', "'=x", '12.5', ''));
    const time = fc.option(fc.double({ min: -1e13, max: 1e13, noNaN: true }), { nil: undefined });
    const record = fc.record({
      seq: fc.integer({ min: 1, max: 1e9 }),
      sensor: text,
      topic: text,
      qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
      retain: fc.boolean(),
      profileTime: fc.double({ min: -1e13, max: 1e13, noNaN: true }),
      value: fc.oneof(fc.double(), fc.constant(Number.NaN)),
      plannedAt: fc.double({ min: 0, max: 1e13, noNaN: true }),
      publishedAt: time,
      ackedAt: time,
      payload: text,
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 5 }), (records) => {
        for (const r of records) {
          const clean = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as SentRecord;
          expect(sentLogLine(clean)).toBe(reference(clean));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
