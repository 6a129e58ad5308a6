import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, type CompareOptions } from '../../../src/app/compare/compare.js';
import type { SentRecord, TraceRecord } from '../../../src/core/records.js';
import { SENT_COLUMNS } from '../../../src/core/records.js';
import { traceCsvHeader, traceCsvLine } from '../../../src/core/trace/trace-row.js';
import { sentLogLine } from '../../../src/io/logs/sent-log-writer.js';
import { ParquetRowWriter } from '../../../src/io/parquet/parquet-row-writer.js';
import { SENT_PARQUET_COLUMNS, TRACE_PARQUET_COLUMNS } from '../../../src/io/parquet/parquet-schema.js';
import { sentParquetCells, traceParquetCells } from '../../../src/io/parquet/parquet-log-writers.js';
import { tempDir } from '../../helpers/brokers.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/compare');

/** Both engines on the same inputs: the reports must be equal, field by field (inputs aside). */
async function bothEngines(options: Omit<CompareOptions, 'engine'>): Promise<void> {
  const memory = await compare({ ...options, engine: 'memory' });
  const duckdb = await compare({ ...options, engine: 'duckdb' });
  expect(duckdb.report).toEqual(memory.report);
}

describe('compare --engine duckdb', () => {
  it('gives the in-memory report on the fixture: two trace shards with outage events', async () => {
    await bothEngines({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'trace-a.csv'), join(FIXTURES, 'trace-b.csv')] });
    const { report } = await compare({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'trace-a.csv'), join(FIXTURES, 'trace-b.csv')], engine: 'duckdb' });
    // The hand count in test/fixtures/compare/README.md.
    expect([report.sent, report.received, report.delivered, report.lost, report.duplicates, report.out_of_order, report.unexpected, report.late, report.value_mismatches]).toEqual([12, 14, 10, 2, 2, 1, 2, 2, 1]);
    expect(report.latency_ms.p50).toBe(5);
  });

  it('gives the in-memory report on the fixture recorded by mosquitto_sub (plain payloads, matched by topic and time)', async () => {
    await bothEngines({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'mosquitto-sub.txt')] });
  });

  it('gives the in-memory report on every fixture combination, and on Parquet copies of the CSV inputs', async () => {
    await bothEngines({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'trace-b.csv'), join(FIXTURES, 'mosquitto-sub.txt')] });
    const dir = tempDir();
    copyFileSync(join(FIXTURES, 'sent.events.csv'), join(dir, 'sent.events.csv'));
    await bothEngines({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'trace-a.csv')], events: [join(dir, 'sent.events.csv')] });
  });

  it('refuses what it does not do, names the file DuckDB cannot read, and stops on a signal', async () => {
    const dir = tempDir();
    const trace = join(FIXTURES, 'trace-a.csv');
    await expect(compare({ sent: join(FIXTURES, 'sent.csv'), received: [trace], engine: 'duckdb', expect: 'sin(value)' })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/--expect/) });
    const profile = join(dir, 'profile.csv');
    writeFileSync(profile, 'time,value\n1700000000,20\n');
    await expect(compare({ sent: profile, received: [trace], engine: 'duckdb' })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/not one: compare a bare profile with the default engine/) });
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, `${SENT_COLUMNS.join(',')}\n1,s,t,1,0,1700000000000.000,twenty,1700000000000.000,,,p\n`);
    await expect(compare({ sent: broken, received: [trace], engine: 'duckdb' })).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringContaining(`${broken}: cannot read:`) });
    const stopped = new AbortController();
    stopped.abort();
    await expect(compare({ sent: join(FIXTURES, 'sent.csv'), received: [trace], engine: 'duckdb', signal: stopped.signal })).rejects.toThrow(/stopped by a signal before the report was complete; nothing written/);
  });

  it('writes the charts from a downsample and the same JSON report', async () => {
    const dir = tempDir();
    const { files, report } = await compare({ sent: join(FIXTURES, 'sent.csv'), received: [join(FIXTURES, 'trace-a.csv')], engine: 'duckdb', output: join(dir, 'cmp'), formats: ['json', 'vl'] });
    expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['cmp.json', 'cmp.vl.json']);
    // DuckDB's spill folder, made beside the outputs, is gone.
    expect(readdirSync(dir).sort()).toEqual(['cmp.json', 'cmp.vl.json']);
    expect(report.delivered).toBeGreaterThan(0);
  });
});

interface Case {
  sent: SentRecord[];
  traces: TraceRecord[][];
  outage: [number, number] | undefined;
}

const T0 = 1_700_000_000_000;

/** Sent messages (2 sensors, QoS 0-2, sub-ms times) and 1-2 shards of arrivals: copies, losses, strays, plain payloads. */
const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    n: fc.integer({ min: 0, max: 40 }),
    fate: fc.array(fc.record({ copies: fc.integer({ min: 0, max: 3 }), plain: fc.boolean(), shard: fc.integer({ min: 0, max: 1 }), delay: fc.integer({ min: 0, max: 5000 }), micros: fc.integer({ min: 0, max: 999 }), wrongValue: fc.boolean() }), { minLength: 40, maxLength: 40 }),
    strays: fc.integer({ min: 0, max: 3 }),
    outage: fc.option(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 20_000 }))),
    // Readings that share a profile time on their topic, all recorded without seq: matched by the k-th arrival rule.
    sharedTimes: fc.boolean(),
    // Names the CSV must quote or escape: blanks kept, a spreadsheet formula, a comma and a quote.
    oddNames: fc.boolean(),
  })
  .map(({ n, fate, strays, outage, sharedTimes, oddNames }) => {
    const names = oddNames ? [' s0 ', '=s1', '+x,"y"'] : ['s0', 's1'];
    const sent: SentRecord[] = [];
    const traces: TraceRecord[][] = [[], []];
    for (let i = 0; i < n; i++) {
      const f = fate[i]!;
      const sensor = names[i % names.length]!;
      const topic = `rt/${sensor}`;
      const planned = T0 + i * 500;
      const published = planned + f.micros / 1000;
      const record: SentRecord = { seq: i + 1, sensor, topic, qos: (i % 3) as 0 | 1 | 2, retain: false, profileTime: T0 - 1e9 + (sharedTimes ? Math.floor(i / 4) : i) * 1000, value: 20 + (i % 7) / 4, plannedAt: planned, publishedAt: published, payload: 'x' };
      sent.push(record);
      for (let c = 0; c < f.copies; c++) {
        const receivedAt = published + f.delay / 7 + c * 3.25;
        const arrival: TraceRecord = { receivedAt, topic, qos: record.qos, retain: false, dup: c > 0, payload: Buffer.from('p'), sensor, profileTime: record.profileTime, value: f.wrongValue && c === 0 ? 99 : record.value, publishedAt: published };
        if (!f.plain && !sharedTimes) arrival.seq = record.seq;
        traces[(f.shard + c) % 2]!.push(arrival);
      }
    }
    for (let k = 0; k < strays; k++) traces[0]!.push({ receivedAt: T0 + k * 777, topic: 'rt/other', qos: 0, retain: false, dup: false, payload: Buffer.from('q'), seq: 10_000 + k, value: 1 });
    for (const t of traces) t.sort((a, b) => a.receivedAt - b.receivedAt);
    return { sent, traces, outage: outage ? [T0 + outage[0], T0 + outage[0] + outage[1]] : undefined };
  });

function writeCase(dir: string, c: Case, parquet: boolean): Pick<CompareOptions, 'sent' | 'received' | 'events'> {
  const ext = parquet ? 'parquet' : 'csv';
  const sent = join(dir, `sent.${ext}`);
  const received = c.traces.map((_, i) => join(dir, `trace-${i}.${ext}`));
  if (parquet) {
    const w = new ParquetRowWriter(sent, SENT_PARQUET_COLUMNS);
    for (const r of c.sent) w.add(sentParquetCells(r));
    w.close();
    c.traces.forEach((rows, i) => {
      const t = new ParquetRowWriter(received[i]!, TRACE_PARQUET_COLUMNS, 7);
      for (const r of rows) t.add(traceParquetCells(r));
      t.close();
    });
  } else {
    writeFileSync(sent, `${SENT_COLUMNS.join(',')}\n${c.sent.map(sentLogLine).join('')}`);
    c.traces.forEach((rows, i) => writeFileSync(received[i]!, `${traceCsvHeader()}${rows.map(traceCsvLine).join('')}`));
  }
  const events = join(dir, 'outage.events.csv');
  const lines = c.outage ? `${c.outage[0].toFixed(3)},broker,broker_stop,,\n${c.outage[1].toFixed(3)},broker,broker_start,,\n` : '';
  writeFileSync(events, `at,source,event,session_present,detail\n${lines}`);
  return { sent, received, events: [events] };
}

describe('compare --engine duckdb on random data', () => {
  it('equals the in-memory engine, CSV and Parquet inputs alike', async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, fc.boolean(), async (c, parquet) => {
        const inputs = writeCase(tempDir(), c, parquet);
        const memory = await compare({ ...inputs, engine: 'memory' });
        const duckdb = await compare({ ...inputs, engine: 'duckdb' });
        expect(duckdb.report).toEqual({ ...memory.report, inputs: { ...memory.report.inputs, received: duckdb.report.inputs.received } });
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
