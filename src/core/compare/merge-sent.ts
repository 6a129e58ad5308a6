import { inputError } from '../errors.js';
import { SentTable } from './sent-table.js';

/**
 * The sent logs of several `replay --partition k/N` processes as one, in seq order. Partitions
 * keep the whole profile's seq numbers, so a seq found in two logs means they overlapped (the
 * same partition run twice, or logs of different replays): an error naming both files.
 */
export function mergeSentTables(tables: ReadonlyArray<{ path: string; table: SentTable }>): SentTable {
  const refs: Array<{ seq: number; shard: number; row: number }> = [];
  tables.forEach(({ table }, shard) => {
    for (let row = 0; row < table.length; row++) refs.push({ seq: table.seq[row]!, shard, row });
  });
  refs.sort((a, b) => a.seq - b.seq || a.shard - b.shard);
  const merged = new SentTable();
  for (let i = 0; i < refs.length; i++) {
    const { seq, shard, row } = refs[i]!;
    const previous = refs[i - 1];
    if (previous && previous.seq === seq) {
      const first = tables[previous.shard]!.path;
      throw inputError({ file: tables[shard]!.path, field: 'seq' }, `seq ${seq} is also in ${first}: sent logs given together must be disjoint partitions of one replay`);
    }
    const t = tables[shard]!.table;
    merged.push(seq, t.sensor(row), t.topic(row), t.qos[row]! as 0 | 1 | 2, t.profileTime[row]!, t.value[row]!, t.plannedAt[row]!, t.publishedAt[row]!);
  }
  return merged;
}
