import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSentTables } from '../../../src/core/compare/merge-sent.js';
import { SentTable, type SentMessage } from '../../../src/core/compare/sent-table.js';
import { partitionOf } from '../../../src/core/schedule/partition.js';

const message = (seq: number, sensor: string): SentMessage => ({ seq, sensor, topic: `t/${sensor}`, qos: 1, profileTime: seq * 1000, value: seq / 10, plannedAt: seq, publishedAt: seq + 0.5 });

describe('mergeSentTables', () => {
  it('merges partitions into one table in seq order, every field kept', () => {
    const a = SentTable.from([message(1, 'a'), message(4, 'a'), message(6, 'a')]);
    const b = SentTable.from([message(2, 'b'), message(3, 'c'), message(5, 'b')]);
    const merged = mergeSentTables([{ path: 'a.csv', table: a }, { path: 'b.csv', table: b }]);
    expect(merged.toArray()).toEqual([1, 2, 3, 4, 5, 6].map((seq) => message(seq, seq === 1 || seq === 4 || seq === 6 ? 'a' : seq === 3 ? 'c' : 'b')));
  });

  it('any split of a profile into partitions (by the sensor hash) merges back to the profile, in seq order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'é', 'sensor-1'), { minLength: 0, maxLength: 80 }), fc.integer({ min: 1, max: 5 }), (sensors, n) => {
        const all = sensors.map((sensor, i) => message(i + 1, sensor));
        const tables = Array.from({ length: n }, (_, k) => ({ path: `p${k + 1}.csv`, table: SentTable.from(all.filter((m) => partitionOf(m.sensor, n) === k + 1)) }));
        expect(mergeSentTables(tables).toArray()).toEqual(all);
      }),
    );
  });

  it('a seq in two logs is an error naming both files', () => {
    const a = SentTable.from([message(1, 'a'), message(2, 'a')]);
    const b = SentTable.from([message(2, 'b')]);
    expect(() => mergeSentTables([{ path: 'p1.csv', table: a }, { path: 'p2.csv', table: b }])).toThrow('p2.csv: seq: seq 2 is also in p1.csv');
  });
});
