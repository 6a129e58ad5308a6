import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { replay } from '../../../src/app/replay/replay.js';
import { generateProfileLines } from '../../../src/core/profile/generate.js';
import { SENT_COLUMNS, type SentRecord } from '../../../src/core/records.js';
import { sentLogLine } from '../../../src/io/logs/sent-log-writer.js';
import { TraceWriter } from '../../../src/io/logs/trace-writer.js';
import { journalPathFor } from '../../../src/io/parquet/parquet-schema.js';
import { ensureBuilt } from '../../helpers/build.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { signalTraceMidStream, startTrace } from '../trace/helpers.js';


/** The Parquet sent log back as CSV text, through hyparquet's raw integers (not sensortrace's reader). */
async function sentCsvFromParquet(pq: string, csv: string): Promise<void> {
  const rows = await parquetReadObjects({ file: await asyncBufferFromFile(pq), parsers: { timestampFromMicroseconds: (m: bigint) => Number(m) / 1000 } as never });
  const ms = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
  const records = rows.map((r): SentRecord => ({ seq: Number(r.seq), sensor: String(r.sensor), topic: String(r.topic), qos: Number(r.qos) as 0 | 1 | 2, retain: Boolean(r.retain), profileTime: Number(r.profile_time), value: Number(r.value), plannedAt: Number(r.planned_at), publishedAt: ms(r.published_at), ackedAt: ms(r.acked_at), payload: String(r.payload) }));
  writeFileSync(csv, `${SENT_COLUMNS.join(',')}\n${records.map(sentLogLine).join('')}`);
}

async function duckdbCount(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const [row] = (await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${path}')`)).getRowObjects();
    return Number(row!.n);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe.skipIf(!mosquittoAvailable)('Parquet outputs of a real run (Mosquitto)', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('replay --log x.parquet and trace -o y.parquet: compare reports what it reports on the CSV of the same run, in both engines', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      const readings = 400;
      const profile = join(dir, 'profile.csv');
      writeFileSync(profile, [...generateProfileLines({ pattern: 'ramp', sensors: ['hdd0', 'hdd1'], rateHz: 50, durationMs: (readings / 2 / 50) * 1000, startMs: 1_266_193_804_000, shape: 'wide', timeFormat: 'epoch-s', delimiter: ',', noise: 0.3 })].join(''));
      const [sentPq, tracePq, traceCsv, sentCsv] = ['sent.parquet', 'trace.parquet', 'trace-copy.csv', 'sent-copy.csv'].map((f) => join(dir, f)) as [string, string, string, string];
      // The CSV of the same run: every record the tracer hands to its Parquet writer, also written as CSV.
      const copy = new TraceWriter(traceCsv);
      const tracer = startTrace({ filters: ['sensors/#'], qos: 1, output: tracePq, count: readings, connection: { host: broker.host, port: broker.port }, onMessage: (record) => copy.write(record) });
      await tracer.ready;
      const summary = await replay({ profile, topic: 'sensors/{sensor}/temperature', pacing: { mode: 'max' }, qos: 1, payloadFormat: 'json', log: sentPq, connection: { host: broker.host, port: broker.port } });
      expect(summary.acknowledged).toBe(readings);
      expect((await tracer.result).received).toBe(readings);
      copy.close();
      for (const path of [sentPq, tracePq]) expect(existsSync(journalPathFor(path))).toBe(false);
      expect([existsSync(join(dir, 'sent.events.csv')), existsSync(join(dir, 'trace.events.csv'))]).toEqual([true, true]);
      await sentCsvFromParquet(sentPq, sentCsv);

      const events = [join(dir, 'sent.events.csv'), join(dir, 'trace.events.csv')];
      const onParquet = await compare({ sent: sentPq, received: [tracePq] });
      const onCsv = await compare({ sent: sentCsv, received: [traceCsv], events });
      const { inputs: _a, ...parquetReport } = onParquet.report;
      const { inputs: _b, ...csvReport } = onCsv.report;
      expect(parquetReport).toEqual(csvReport);
      expect([parquetReport.sent, parquetReport.delivered, parquetReport.lost, parquetReport.match.rule]).toEqual([readings, readings, 0, 'seq']);
      expect(parquetReport.latency_ms.count).toBe(readings);
      const { inputs: _c, ...duckdbReport } = (await compare({ sent: sentPq, received: [tracePq], engine: 'duckdb' })).report;
      expect(duckdbReport).toEqual(parquetReport);
    });
  }, 120_000);

  it('SIGTERM in the middle of trace -o x.parquet leaves a whole Parquet file (the footer written, the journal gone)', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      const output = join(dir, 'x.parquet');
      const { code, err } = await signalTraceMidStream({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port }, ['-t', 's/#', '-q', '1', '-o', output, '-v'], {
        signal: 'SIGTERM',
        payload: (i) => `{"seq":${i},"sensor":"x","time":${1_266_193_804_000 + i},"value":${i / 4}}`,
        // Mid-stream: rows in the journal, the last row group still in memory.
        midStream: () => expect(existsSync(journalPathFor(output))).toBe(true),
      });
      expect(code).toBe(0);
      const recorded = Number(/trace: (\d+) recorded/.exec(err)?.[1]);
      expect(recorded).toBeGreaterThanOrEqual(50);
      expect(await duckdbCount(output)).toBe(recorded);
      expect(existsSync(journalPathFor(output))).toBe(false);
    });
  }, 90_000);
});
