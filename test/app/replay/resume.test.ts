import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../../src/app/replay/replay.js';
import { CsvParser } from '../../../src/core/csv/csv.js';
import { resumePlan } from '../../../src/core/schedule/schedule.js';
import { handedOverPathFor, readSentLogState } from '../../../src/io/logs/sent-log-writer.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { ensureBuilt } from '../../helpers/build.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';

const root = join(import.meta.dirname, '../../..');

function writeProfile(path: string, rows: number): void {
  writeFileSync(path, ['time,value', ...Array.from({ length: rows }, (_, i) => `${1_700_000_000 + i},${(i % 100) / 4}`)].join('\n') + '\n');
}

function logRows(path: string): string[][] {
  const [header, ...rows] = [...new CsvParser(',').feed(readFileSync(path, 'utf8'))].map((r) => r.cells);
  expect(header?.[0]).toBe('seq');
  return rows;
}

describe('resumePlan', () => {
  it.each([
    // qos, last logged, handed over → start, unknown range
    [2, 100, 103, 104, [101, 103]],
    [2, 100, 100, 101, [101, 100]],
    [2, 100, undefined, 101, [101, 100]],
    [0, 100, 103, 104, [101, 103]],
    [1, 100, 103, 101, [101, 100]],
    [2, 0, 2, 3, [1, 2]],
  ] as const)('qos %i, logged up to %i, handed over %s: start at %i', (qos, logged, handed, start, [from, to]) => {
    expect(resumePlan(qos, logged, handed)).toEqual({ startSeq: start, unknown: { from, to } });
  });
});

describe('replay --resume and an unwritable --log', () => {
  it('refuses a log that is not a sent log, ignores a torn last line', async () => {
    const dir = tempDir();
    const log = join(dir, 'sent.csv');
    writeFileSync(log, 'a,b\n1,2\n');
    await expect(readSentLogState(log)).rejects.toMatchObject({ code: 'E_INPUT' });
    writeFileSync(log, 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n1,s,t,2,0,1,2,3,4,5,x\n2,s,t,2,0,1,2,3');
    expect(await readSentLogState(log)).toEqual({ lastSeq: 1, rows: 1 });
    writeFileSync(handedOverPathFor(log), '               4\n');
    expect(await readSentLogState(log)).toEqual({ lastSeq: 1, rows: 1, handedOver: 4 });
  });

  it('a QoS 2 resume that cannot connect keeps the earlier run\'s hand-over mark (a later resume must not resend)', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeProfile(profile, 10);
    const log = join(dir, 'sent.csv');
    // A killed run: seqs 1–3 logged, 4–6 handed to the client.
    writeFileSync(log, 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n' + [1, 2, 3].map((n) => `${n},p,t,2,0,1,2,3,4,5,x\n`).join(''));
    writeFileSync(handedOverPathFor(log), '               6\n');
    const port = await freePort();
    await expect(replay({ profile, topic: 't', pacing: { mode: 'max' }, qos: 2, resume: true, connection: { host: '127.0.0.1', port, connectTimeoutMs: 500, reconnectPeriodMs: 100 }, log })).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
    expect(await readSentLogState(log)).toMatchObject({ lastSeq: 3, handedOver: 6 });
  });

  it('fails with E_OUTPUT before connecting when the log cannot be written (parent is a file, /dev/full)', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeProfile(profile, 5);
    // Nothing listens on this port: getting as far as connecting would be E_UNREACHABLE instead.
    const port = await freePort();
    const connection = { host: '127.0.0.1', port, connectTimeoutMs: 2000 };
    await expect(replay({ profile, topic: 't', pacing: { mode: 'max' }, qos: 1, connection, log: join(profile, 'sent.csv') })).rejects.toMatchObject({ code: 'E_OUTPUT' });
    await expect(replay({ profile, topic: 't', pacing: { mode: 'max' }, qos: 1, connection, log: '/dev/full' })).rejects.toMatchObject({ code: 'E_OUTPUT' });
    // Reachable log, unreachable broker: exit 3 and no log claiming anything was sent.
    const log = join(dir, 'sent.csv');
    await expect(replay({ profile, topic: 't', pacing: { mode: 'max' }, qos: 1, connection, log })).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
    expect(existsSync(log)).toBe(false);
  });

  beforeAll(() => ensureBuilt(), 120_000);

  it.runIf(mosquittoAvailable)('after a SIGKILL mid-run, --resume continues the log and QoS 2 delivers every seq at most once', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    const rows = 1500;
    writeProfile(profile, rows);
    const log = join(dir, 'sent.csv');
    await withMosquitto(async (broker) => {
      // Independent subscriber: plain MQTT.js at QoS 2, counting every delivery of every seq.
      const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const deliveries = new Map<number, number>();
      let onDelivery = (): void => {};
      sub.on('message', (_topic, payload) => {
        const seq = (JSON.parse(payload.toString()) as { seq: number }).seq;
        deliveries.set(seq, (deliveries.get(seq) ?? 0) + 1);
        onDelivery();
      });
      await sub.subscribeAsync('rs/#', { qos: 2 });
      try {
        const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'replay', profile, '-t', 'rs/t', '-q', '2', '--rate', '1000', '--format', 'json', '-h', broker.host, '-p', String(broker.port), '--quiet', '--log', log], { stdio: 'ignore' });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // Killed once the log has rows on disk (its 1 s flush) and deliveries are flowing.
        await new Promise<void>((resolve, reject) => {
          const poll = setInterval(() => {
            if (existsSync(log) && statSync(log).size > 2000 && deliveries.size > 100) {
              clearInterval(poll);
              resolve();
            }
          }, 20);
          child.once('exit', () => {
            clearInterval(poll);
            reject(new Error('the replayer finished before it was killed'));
          });
        });
        child.kill('SIGKILL');
        await exited;
        const before = await readSentLogState(log);
        expect(before.lastSeq).toBeGreaterThan(0);
        expect(before.lastSeq).toBeLessThan(rows);

        const summary = await replay({ profile, topic: 'rs/t', pacing: { mode: 'max' }, qos: 2, payloadFormat: 'json', connection: { host: broker.host, port: broker.port }, log, resume: true });
        expect(summary.resumed!.unknown.from).toBe(before.lastSeq + 1);
        expect(summary.resumed!.startSeq).toBe((before.handedOver ?? before.lastSeq) + 1);
        expect(summary.acknowledged).toBe(rows - summary.resumed!.startSeq + 1);

        // The log is one continuous run of seqs; only the unknown window lacks published_at.
        const logged = logRows(log);
        expect(logged.map((r) => Number(r[0]))).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
        const unpublished = logged.filter((r) => r[8] === '').map((r) => Number(r[0]));
        const { from, to } = summary.resumed!.unknown;
        expect(unpublished).toEqual(Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i));

        // Every acknowledged seq arrives; nothing arrives twice.
        const acknowledged = logged.filter((r) => r[9] !== '').map((r) => Number(r[0]));
        await new Promise<void>((resolve) => {
          onDelivery = () => acknowledged.every((seq) => deliveries.has(seq)) && resolve();
          onDelivery();
        });
        expect([...deliveries.entries()].filter(([, n]) => n > 1)).toEqual([]);
        expect(Math.max(...deliveries.keys())).toBe(rows);
      } finally {
        await sub.endAsync();
      }
    });
  });
});
