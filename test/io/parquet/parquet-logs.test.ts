import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { ArrivalTable } from '../../../src/core/compare/match.js';
import type { SentRecord, TraceRecord } from '../../../src/core/records.js';
import { readSentTable } from '../../../src/io/logs/sent-log-reader.js';
import { readReceivedTable } from '../../../src/io/logs/trace-reader.js';
import { readSentLogState, SentLogWriter } from '../../../src/io/logs/sent-log-writer.js';
import { TraceWriter } from '../../../src/io/logs/trace-writer.js';
import { readSentParquet, readTraceParquet } from '../../../src/io/parquet/parquet-log-readers.js';
import { openSentLogWriter, openTraceWriter, ParquetSentLogWriter, ParquetTraceWriter } from '../../../src/io/parquet/parquet-log-writers.js';
import { PARQUET_ROW_GROUP } from '../../../src/io/parquet/parquet-row-writer.js';
import { journalPathFor, microsOf } from '../../../src/io/parquet/parquet-schema.js';
import { readSentShards } from '../../../src/app/compare/sent-shards.js';
import { tempDir } from '../../helpers/brokers.js';

// Sub-millisecond (epoch ms 1_700_000_000_123.4567, as near as a double gets): the files keep ...123.457, whole microseconds.
const T = 1_700_000_000_123 + 0.4567;

function traceRecord(i: number): TraceRecord {
  const r: TraceRecord = { receivedAt: T + i * 0.0013, topic: `rt/s${i % 3}`, qos: (i % 3) as 0 | 1 | 2, retain: i % 5 === 0, dup: i % 7 === 0, payload: Buffer.from(i % 4 === 0 ? [0xff, 0x00, i & 0xff] : `{"seq":${i}}`) };
  if (i % 4 !== 0) Object.assign(r, { seq: i, sensor: `s${i % 3}`, profileTime: 1_266_193_804_000 + i * 1000.25, value: 20 + i / 8, publishedAt: T - 3.0005 + i * 0.0013, latencyMs: 3.0005 });
  return r;
}

function sentRecord(i: number): SentRecord {
  return { seq: i, sensor: `s${i % 3}`, topic: `rt/s${i % 3}`, qos: (i % 3) as 0 | 1 | 2, retain: false, profileTime: 1_266_193_804_000 + i * 1000.25, value: 20 + i / 8, plannedAt: T + i, ...(i % 6 === 0 ? {} : { publishedAt: T + i + 0.0005 }), ...(i % 3 === 0 ? {} : { ackedAt: T + i + 2.25 }), payload: `p${i}` };
}

async function duckdbRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjects() as Array<Record<string, unknown>>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('Parquet logs', () => {
  it('a trace: typed columns, microsecond timestamps, read alike by hyparquet, DuckDB and compare (= the CSV of the same rows)', async () => {
    const dir = tempDir();
    const [pq, csv] = [join(dir, 't.parquet'), join(dir, 't.csv')];
    const parquet = openTraceWriter(pq);
    const plain = new TraceWriter(csv);
    expect(parquet).toBeInstanceOf(ParquetTraceWriter);
    for (let i = 1; i <= 40; i++) [parquet, plain].forEach((w) => w.write(traceRecord(i)));
    parquet.flush();
    // Until the footer: the rows are in the CSV journal, the Parquet file is not yet whole.
    expect(readFileSync(journalPathFor(pq), 'utf8').trim().split('\n')).toHaveLength(41);
    [parquet, plain].forEach((w) => w.close());
    expect(existsSync(journalPathFor(pq))).toBe(false);

    const file = await asyncBufferFromFile(pq);
    const metadata = await parquetMetadataAsync(file);
    const types = Object.fromEntries(metadata.schema.slice(1).map((e) => [e.name, [e.type, e.logical_type?.type ?? e.converted_type ?? '', e.repetition_type]]));
    expect(types.received_at).toEqual(['INT64', 'TIMESTAMP', 'REQUIRED']);
    expect(types.seq).toEqual(['INT64', '', 'OPTIONAL']);
    expect(types.qos).toEqual(['INT32', '', 'REQUIRED']);
    expect(types.value).toEqual(['DOUBLE', '', 'OPTIONAL']);
    expect(types.topic).toEqual(['BYTE_ARRAY', 'UTF8', 'REQUIRED']);
    const raw = await parquetReadObjects({ file, columns: ['received_at', 'payload'], utf8: false, parsers: { timestampFromMicroseconds: (m: bigint) => m } as never });
    expect(raw[0]!.received_at).toBe(1_700_000_000_123_458n); // T + 0.0013 ms, to the microsecond
    expect(Buffer.from(raw[3]!.payload as Uint8Array)).toEqual(Buffer.from([0xff, 0x00, 4]));

    const [row] = await duckdbRows(`SELECT count(*) AS n, epoch_us(min(received_at)) AS first, typeof(min(received_at)) AS t, sum(seq) AS seqs, max(value) AS v FROM read_parquet('${pq}')`);
    expect([Number(row!.n), BigInt(row!.first as bigint), row!.t, Number(row!.seqs), row!.v]).toEqual([40, 1_700_000_000_123_458n, 'TIMESTAMP WITH TIME ZONE', 820 - (4 + 8 + 12 + 16 + 20 + 24 + 28 + 32 + 36 + 40), 20 + 39 / 8]);

    const fromParquet = new ArrivalTable();
    await readTraceParquet(pq, fromParquet);
    const { arrivals: fromCsv } = await readReceivedTable(csv, new ArrivalTable());
    expect(fromParquet.toArray()).toEqual(fromCsv.toArray());
  });

  it('a sent log: the same table as its CSV twin; rows written in groups of 64k', async () => {
    const dir = tempDir();
    const [pq, csv] = [join(dir, 's.parquet'), join(dir, 's.csv')];
    const parquet = openSentLogWriter(pq);
    const plain = new SentLogWriter(csv);
    expect(parquet).toBeInstanceOf(ParquetSentLogWriter);
    const n = PARQUET_ROW_GROUP + 10;
    // Out of seq order: both writers put them in order.
    for (let i = 1; i <= n; i++) [parquet, plain].forEach((w) => w.complete(sentRecord(i % 2 === 0 ? i - 1 : i + 1 > n ? i : i + 1)));
    [parquet, plain].forEach((w) => w.close());
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(pq));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([PARQUET_ROW_GROUP, 10]);
    expect((await readSentParquet(pq)).toArray()).toEqual((await readSentTable(csv)).toArray());
    const [row] = await duckdbRows(`SELECT count(*) AS n, count(published_at) AS published, count(acked_at) AS acked, count(value) AS v FROM read_parquet('${pq}')`);
    expect([row!.n, row!.published, row!.acked, row!.v].map(Number)).toEqual([n, n - Math.floor(n / 6), n - Math.floor(n / 3), n]);
  });

  it('partitions\' Parquet sent logs merge by seq like CSV ones (compare --sent a.parquet b.parquet)', async () => {
    const dir = tempDir();
    const paths = [join(dir, 'p1.parquet'), join(dir, 'p2.parquet')];
    const shards = paths.map((path) => openSentLogWriter(path));
    const whole = new SentLogWriter(join(dir, 'all.csv'));
    for (let i = 1; i <= 40; i++) {
      // Partition 1 sends the odd seqs and skips the even ones, partition 2 the reverse.
      shards.forEach((w, k) => (i % 2 === (k === 0 ? 1 : 0) ? w.complete(sentRecord(i)) : w.skip(i)));
      whole.complete(sentRecord(i));
    }
    [...shards, whole].forEach((w) => w.close());
    expect((await readSentShards(paths)).toArray()).toEqual((await readSentTable(join(dir, 'all.csv'))).toArray());
  });

  it('replay --connections N: the Parquet sent log has the CSV\'s connection column, and compare reads it alike', async () => {
    const dir = tempDir();
    const [pq, csv] = [join(dir, 's.parquet'), join(dir, 's.csv')];
    const writers = [openSentLogWriter(pq, { connectionColumn: true }), new SentLogWriter(csv, { connectionColumn: true })];
    for (let i = 1; i <= 12; i++) writers.forEach((w) => w.complete({ ...sentRecord(i), connection: i % 4 }));
    writers.forEach((w) => w.close());
    const rows = await duckdbRows(`SELECT seq, connection FROM read_parquet('${pq}') ORDER BY seq`);
    expect(rows.map((r) => [Number(r.seq), r.connection])).toEqual(Array.from({ length: 12 }, (_, k) => [k + 1, (k + 1) % 4]));
    expect(readFileSync(csv, 'utf8').split('\n')[0]).toMatch(/,connection$/);
    expect((await readSentParquet(pq)).toArray()).toEqual((await readSentTable(csv)).toArray());
  });

  it('refuses to add to a Parquet file (--append, --resume) and JSON lines into one', () => {
    const dir = tempDir();
    expect(() => openTraceWriter(join(dir, 'a.parquet'), { append: true })).toThrow(/append: cannot add to a Parquet file/);
    expect(() => openTraceWriter(join(dir, 'a.parquet'), { jsonl: true })).toThrow(/jsonl:/);
    expect(() => openSentLogWriter(join(dir, 'a.parquet'), { append: true })).toThrow(/resume: cannot add to a Parquet file/);
    expect(existsSync(join(dir, 'a.parquet'))).toBe(false);
  });

  it('replay --resume names the reason a Parquet log cannot be continued', async () => {
    await expect(readSentLogState(join(tempDir(), 'a.parquet'))).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/^resume: cannot continue a Parquet sent log/) });
  });

  it('a file without its footer (a killed writer) is refused by name, pointing at the journal', async () => {
    const dir = tempDir();
    const pq = join(dir, 'k.parquet');
    const w = openTraceWriter(pq);
    w.write(traceRecord(1));
    w.flush();
    await expect(readTraceParquet(pq, new ArrivalTable())).rejects.toThrow(/not a whole Parquet file.*k\.parquet\.journal\.csv/);
    w.close();
  });

  it('times to microseconds exactly as the CSV writes them (toFixed(3))', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 1e13, noNaN: true }), (ms) => {
        expect(microsOf(ms) + 0).toBe(Number(ms.toFixed(3).replace('.', '')) + 0);
      }),
      { numRuns: 20_000 },
    );
  });
});
