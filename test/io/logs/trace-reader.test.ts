import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse } from '../../../src/core/compare/report.js';
import type { Arrival } from '../../../src/core/compare/match.js';
import { readEvents } from '../../../src/io/logs/events-reader.js';
import { readSentLog } from '../../../src/io/logs/sent-log-reader.js';
import { readReceived } from '../../../src/io/logs/trace-reader.js';
import { tempDir } from '../../helpers/brokers.js';

const fixtures = join(import.meta.dirname, '../../fixtures/compare');
const T = 1700000000000;

/** Hand count of test/fixtures/compare (see its README.md). */
async function fixtureReport(received: string[]) {
  const sent = await readSentLog(join(fixtures, 'sent.csv'));
  const arrivals: Arrival[] = [];
  for (const file of received) await readReceived(join(fixtures, file), arrivals);
  const events = await readEvents(join(fixtures, 'sent.events.csv'));
  return analyse(sent, arrivals, events).report;
}

describe('compare accounting on the hand-counted fixture', () => {
  it('counts every quantity across two merged trace shards', async () => {
    const r = await fixtureReport(['trace-a.csv', 'trace-b.csv']);
    expect({ sent: r.sent, received: r.received, delivered: r.delivered, lost: r.lost, duplicates: r.duplicates, out_of_order: r.out_of_order, unexpected: r.unexpected, late: r.late, value_mismatches: r.value_mismatches }).toEqual({
      sent: 12, received: 14, delivered: 10, lost: 2, duplicates: 2, out_of_order: 1, unexpected: 2, late: 2, value_mismatches: 1,
    });
    expect(r.latency_ms).toEqual({ count: 10, p50: 5, p95: 2499.5, p99: 2499.5, max: 2499.5, mean: 255.75 });
    // Delay from planned_at: 7 and 9 waited out the outage (2610 and 612 ms), 3 was slow (2500).
    expect(r.delay_ms).toEqual({ count: 10, p50: 5.5, p95: 2610, p99: 2610, max: 2610, mean: 576.35 });
    expect(r.match).toEqual({ rule: 'seq', by_seq: 12, by_topic_time: 0, by_sensor_time: 0 });
    expect(r.outages).toEqual([{ start: T + 5500, end: T + 8500, kind: 'broker', sources: ['broker'], sent: 3, lost: 1, late: 2, on_time: 0 }]);
    const hdd0 = r.by_sensor.hdd0!;
    const hdd1 = r.by_sensor.hdd1!;
    expect([hdd0.sent, hdd0.received, hdd0.delivered, hdd0.lost, hdd0.duplicates, hdd0.out_of_order, hdd0.late, hdd0.value_mismatches]).toEqual([6, 8, 6, 0, 2, 1, 2, 0]);
    expect([hdd1.sent, hdd1.received, hdd1.delivered, hdd1.lost, hdd1.duplicates, hdd1.out_of_order, hdd1.late, hdd1.value_mismatches]).toEqual([6, 4, 4, 2, 0, 0, 0, 1]);
    expect([hdd0.latency_ms.p50, hdd0.latency_ms.p95, hdd0.latency_ms.max]).toEqual([5, 2499.5, 2499.5]);
    expect([hdd1.latency_ms.p50, hdd1.latency_ms.p95, hdd1.latency_ms.max]).toEqual([5, 7, 7]);
    // QoS 1 is hdd0's topic and QoS 0 hdd1's in this fixture.
    expect(r.by_qos['1']).toEqual(hdd0);
    expect(r.by_qos['0']).toEqual(hdd1);
  });

  it('gives the same answer whichever order the shards are given in', async () => {
    expect(await fixtureReport(['trace-b.csv', 'trace-a.csv'])).toEqual(await fixtureReport(['trace-a.csv', 'trace-b.csv']));
  });

  it('one shard alone: its arrivals only', async () => {
    const r = await fixtureReport(['trace-b.csv']);
    // b holds the dup of 1, 3, 9 (first copy), 10, 12.
    expect([r.received, r.delivered, r.duplicates, r.lost, r.unexpected, r.late]).toEqual([5, 5, 0, 7, 0, 1]);
  });

  it('reads a mosquitto_sub -F "%U %t %p" recording of the same run (matched by topic and time)', async () => {
    const r = await fixtureReport(['mosquitto-sub.txt']);
    expect([r.sent, r.received, r.delivered, r.lost, r.duplicates, r.out_of_order, r.unexpected, r.late, r.value_mismatches]).toEqual([12, 13, 10, 2, 2, 1, 1, 2, 1]);
    expect(r.match).toEqual({ rule: 'topic+time', by_seq: 0, by_topic_time: 12, by_sensor_time: 0 });
    expect(r.latency_ms.p95).toBe(2499.5);
  });
});

describe('reader errors', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('names file, line and field for a bad number in a sent log', async () => {
    const path = file('bad-sent.csv', 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n1,a,t,0,0,1000,20,1,2,,x\n2,a,t,0,0,2000,warm,1,2,,x\n');
    await expect(readSentLog(path)).rejects.toThrow(`${path}:3: value: not a number (found "warm")`);
  });

  it('rejects a repeated seq and a missing column', async () => {
    const repeated = file('rep.csv', 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at\n1,a,t,0,0,1000,20,1,2\n1,a,t,0,0,2000,21,1,2\n');
    await expect(readSentLog(repeated)).rejects.toThrow(`${repeated}:3: seq: repeated sequence number`);
    const missing = file('missing.csv', 'seq,sensor,qos\n1,a,0\n');
    await expect(readSentLog(missing)).rejects.toThrow('missing columns topic, profile_time, value');
  });

  it('ignores unknown columns, accepts reordered ones', async () => {
    const path = file('reordered.csv', 'value,extra,topic,seq,profile_time,published_at\n21.5,zz,s/t,4,1000,1500.25\n');
    expect(await readSentLog(path)).toEqual([{ seq: 4, sensor: 's/t', topic: 's/t', qos: 0, profileTime: 1000, value: 21.5, publishedAt: 1500.25 }]);
  });

  it('names the line of a bad mosquitto_sub line and of a bad trace time', async () => {
    const sub = file('sub.txt', '1700000000.5 a/b 1 2\nnot a line\n');
    await expect(readReceived(sub)).rejects.toThrow(`${sub}:2: expected a mosquitto_sub`);
    const trace = file('trace.csv', 'received_at,topic,payload\n12x,a/b,1\n');
    await expect(readReceived(trace)).rejects.toThrow(`${trace}:2: received_at: not a number (found "12x")`);
    const other = file('other.csv', 'time,temperature\n1,2\n');
    await expect(readReceived(other)).rejects.toThrow('not a trace CSV');
  });

  it('tells a mosquitto_sub recording by its first line alone, even when a payload opens a quote it never closes', async () => {
    const sub = file('sub-quote.txt', '1700000000.5 a/b x,"y\n1700000001.5 a/b 2\n');
    const { arrivals, format } = await readReceived(sub);
    expect(format).toBe('mosquitto_sub');
    expect(arrivals.map((a) => [a.receivedAt, a.topic])).toEqual([[1700000000500, 'a/b'], [1700000001500, 'a/b']]);
  });

  it('decodes payloads when the trace left the decoded columns empty (binary payloads included)', async () => {
    const path = file('raw.csv', 'received_at,topic,qos,retain,dup,payload\n1000.5,a/b,1,0,0,1266193804 21.5\n1001,a/b,0,0,0,base64:AAEC\n');
    const { arrivals } = await readReceived(path);
    expect(arrivals).toEqual([
      { receivedAt: 1000.5, topic: 'a/b', qos: 1, profileTime: 1266193804000, value: 21.5 },
      { receivedAt: 1001, topic: 'a/b', qos: 0 },
    ]);
  });

  it('reads trace --jsonl lines like the CSV, with file:line errors', async () => {
    const path = file('t.jsonl', '{"received_at":1000.5,"topic":"a/b","qos":1,"retain":false,"dup":true,"payload":"x","seq":3,"sensor":"s","value":2.5,"published_at":990}\n\n{"received_at":1001,"topic":"a/b","qos":0,"retain":false,"dup":false,"payload":"1266193804 21.5"}\n');
    const { arrivals, format } = await readReceived(path);
    expect(format).toBe('trace-jsonl');
    expect(arrivals).toEqual([
      { receivedAt: 1000.5, topic: 'a/b', qos: 1, dup: true, seq: 3, sensor: 's', value: 2.5, publishedAt: 990 },
      { receivedAt: 1001, topic: 'a/b', qos: 0, profileTime: 1266193804000, value: 21.5 },
    ]);
    const bad = file('bad.jsonl', '{"received_at":1,"topic":"a"}\n{"received_at":"soon","topic":"a"}\n');
    await expect(readReceived(bad)).rejects.toThrow(`${bad}:2: received_at: not a number (found "soon")`);
  });

  it('undoes the spreadsheet-formula escape on text cells', async () => {
    const path = file('formula.csv', "received_at,topic,payload\n5,'-weird/topic,'=1+2\n");
    const { arrivals } = await readReceived(path);
    expect(arrivals[0]!.topic).toBe('-weird/topic');
  });

  it('reads events, skipping unknown kinds', async () => {
    const path = file('x.events.csv', 'at,source,event,session_present,detail\n5,trace,connect,1,\n6,trace,frobnicate,,\n7,broker,broker_stop,,crash\n');
    expect(await readEvents(path)).toEqual([
      { at: 5, source: 'trace', event: 'connect', sessionPresent: true },
      { at: 7, source: 'broker', event: 'broker_stop', detail: 'crash' },
    ]);
  });
});

describe('large-input paths', () => {
  it('parseDecimal is exactly Number() for plain decimals and NaN for anything else', async () => {
    const { parseDecimal } = await import('../../../src/io/logs/sent-log-reader.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), fc.integer({ min: 0, max: 8 }), fc.boolean(), (digits, decimals, negative) => {
        const text = digits.toString().padStart(decimals + 1, '0');
        const decimal = `${negative ? '-' : ''}${decimals ? `${text.slice(0, -decimals)}.${text.slice(-decimals)}` : text}`;
        expect(Object.is(parseDecimal(decimal), Number(decimal))).toBe(true);
      }),
      { numRuns: 2000 },
    );
    for (const text of ['', '-', '.', '1e3', ' 1', '1 ', '1.2.3', '0x10', 'Infinity', '+1', '9007199254740992', '99999999999999999']) expect(parseDecimal(text)).toBeNaN();
  });

  it('column tables give the same report and records as object arrays', async () => {
    const { readSentTable } = await import('../../../src/io/logs/sent-log-reader.js');
    const { readReceivedTable } = await import('../../../src/io/logs/trace-reader.js');
    const { ArrivalTable } = await import('../../../src/core/compare/match.js');
    const sentTable = await readSentTable(join(fixtures, 'sent.csv'));
    const arrivalTable = new ArrivalTable();
    const arrivals: Arrival[] = [];
    for (const file of ['trace-a.csv', 'trace-b.csv', 'mosquitto-sub.txt']) {
      await readReceivedTable(join(fixtures, file), arrivalTable);
      await readReceived(join(fixtures, file), arrivals);
    }
    expect(sentTable.toArray()).toEqual(await readSentLog(join(fixtures, 'sent.csv')));
    expect(arrivalTable.toArray()).toEqual(arrivals);
    const events = await readEvents(join(fixtures, 'sent.events.csv'));
    const fromTables = analyse(sentTable, arrivalTable, events);
    const fromArrays = analyse(await readSentLog(join(fixtures, 'sent.csv')), arrivals, events);
    expect(fromTables.report).toEqual(fromArrays.report);
    expect(fromTables.report.unexpected).toBeGreaterThan(0);
  });

  it('a slice with all the samples shares the whole statistics; a smaller one has its own', () => {
    const sent = [1, 2, 3].map((seq) => ({ seq, sensor: seq === 3 ? 'b' : 'a', topic: 't', qos: 1 as const, profileTime: seq, value: seq, publishedAt: 100 * seq }));
    const arrivals: Arrival[] = [1, 2, 3].map((seq) => ({ receivedAt: 100 * seq + seq * 10, topic: 't', seq }));
    const r = analyse(sent, arrivals).report;
    expect(r.latency_ms).toMatchObject({ count: 3, max: 30 });
    expect(r.by_qos['1']!.latency_ms).toEqual(r.latency_ms);
    expect(r.by_sensor.a!.latency_ms).toMatchObject({ count: 2, max: 20, mean: 15 });
    expect(r.by_sensor.b!.latency_ms).toMatchObject({ count: 1, max: 30 });
  });
});

describe('reading text', () => {
  it('keeps non-ASCII text whole after ASCII chunks and across a chunk boundary', async () => {
    const { readCsvRecords } = await import('../../../src/io/csv/csv-file-reader.js');
    const dir = tempDir();
    const chunk = 256 * 1024;
    for (const [name, pad] of [['after-ascii.csv', chunk + 10], ['straddling.csv', chunk - 2]] as const) {
      const path = join(dir, name);
      // 'h\n' + padding line, then a line with a two-byte character: either in the second chunk
      // or split between the first and the second.
      writeFileSync(path, `h\n${'x'.repeat(pad - 3)}\nzé,ü\n`);
      const rows: string[][] = [];
      for await (const record of readCsvRecords(path)) rows.push(record.cells);
      expect(rows).toHaveLength(3);
      expect(rows[2]).toEqual(['zé', 'ü']);
    }
  });
});

describe('a large sent log read on a worker thread', () => {
  it('gives the same table as reading in turn, and the same error with file:line', async () => {
    // The worker runs the built module (node cannot start one on TypeScript sources).
    const { ensureBuilt } = await import('../../helpers/build.js');
    ensureBuilt();
    const built = (await import(new URL('../../../dist/io/logs/sent-log-reader.js', import.meta.url).href)) as typeof import('../../../src/io/logs/sent-log-reader.js');
    const dir = tempDir();
    const header = 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n';
    const rows = Array.from({ length: 60_000 }, (_, k) => `${k + 1},s${k % 3},t/s${k % 3},${k % 3},0,${T + k * 10},${(k / 7).toFixed(2)},${T + k * 10}.000,${k % 11 ? `${T + k * 10}.050` : ''},,${(T / 1000 + k / 100).toFixed(2)} ${(k / 7).toFixed(2)}\n`);
    // A torn last line: warned about from the worker thread too.
    const good = join(dir, 'big.csv');
    writeFileSync(good, `${header}${rows.join('')}60001,s1,t`);
    const warnings: string[] = [];
    const inBackground = await built.readSentTableInBackground(good, { onWarning: (w) => warnings.push(w) });
    const inTurn = await built.readSentTable(good);
    expect(inBackground.length).toBe(60_000);
    // Large enough to go to a worker (BACKGROUND_MIN_BYTES).
    expect(statSync(good).size).toBeGreaterThan(4 * 1024 * 1024);
    expect(inBackground.toArray()).toEqual(inTurn.toArray());
    expect(warnings).toEqual([`${good}:60002: ignoring an incomplete last line (the writer was probably killed)`]);

    const bad = join(dir, 'repeated.csv');
    writeFileSync(bad, header + rows.join('') + rows[5]);
    const error = (await built.readSentTableInBackground(bad).catch((e: unknown) => e)) as { code?: string; message?: string };
    expect(error.code).toBe('E_INPUT');
    expect(error.message).toBe(`${bad}:60002: seq: repeated sequence number (found "6")`);
  });
});
