import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { replay, type ReplayOptions } from '../../../src/app/replay/replay.js';
import { trace } from '../../../src/app/trace/trace.js';
import { CsvParser } from '../../../src/core/csv/csv.js';
import { generateProfileLines } from '../../../src/core/profile/generate.js';
import { connectionOf, partitionOf } from '../../../src/core/schedule/partition.js';
import { SENT_COLUMNS } from '../../../src/core/records.js';
import { tempDir, withMosquitto } from '../../helpers/brokers.js';

/** 12 sensors × 50 readings, one second apart (replayed with --max or --rate). */
function profileFile(dir: string): string {
  const path = join(dir, 'profile.csv');
  const sensors = Array.from({ length: 12 }, (_, i) => `s${i + 1}`);
  writeFileSync(path, [...generateProfileLines({ pattern: 'ramp', sensors, rateHz: 1, durationMs: 50_000, startMs: 1_700_000_000_000, shape: 'long', timeFormat: 'epoch-ms', delimiter: ',', noise: 0.2 })].join(''));
  return path;
}

function rows(path: string): Array<Record<string, string>> {
  const [header, ...body] = new CsvParser().feed(readFileSync(path, 'utf8')).map((r) => r.cells);
  return body.filter((cells) => cells.length > 1).map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

/** An independent subscriber (plain MQTT.js) that resolves once `count` messages are in. */
async function subscriber(url: string, count: number) {
  const client: MqttClient = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
  const got: Array<{ topic: string; payload: string }> = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  client.on('message', (topic, payload) => {
    got.push({ topic, payload: payload.toString() });
    if (got.length === count) done();
  });
  await client.subscribeAsync('so/#', { qos: 1 });
  const timeout = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`subscriber got ${got.length} of ${count}`)), ms).unref());
  return { got, all: () => Promise.race([all, timeout(30_000)]), end: () => client.endAsync() };
}

const base = (url: string, profile: string): ReplayOptions => ({ profile, topic: 'so/{sensor}', pacing: { mode: 'max' }, qos: 1, connection: { url, protocolVersion: 4, connectTimeoutMs: 5000 } });

describe('replay --connections', () => {
  it('spreads sensors over N connections, each sensor on one, logged per row, order per sensor kept', async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await withMosquitto(async (broker) => {
      const sub = await subscriber(broker.url, 600);
      const log = join(dir, 'sent.csv');
      const summary = await replay({ ...base(broker.url, profile), connections: 4, log });
      await sub.all();
      await sub.end();
      expect([summary.sent, summary.acknowledged, summary.connections]).toEqual([600, 600, 4]);
      const sent = rows(log);
      expect(Object.keys(sent[0]!)).toEqual([...SENT_COLUMNS, 'connection']);
      // Every row says its connection, and it is the sensor's by the documented hash.
      for (const r of sent) expect(Number(r.connection)).toBe(connectionOf(r.sensor!, 4));
      expect(new Set(sent.map((r) => r.connection)).size).toBeGreaterThan(1);
      // Four client sessions, ids <derived>-c1..c4, one events source each.
      const events = rows(join(dir, 'sent.events.csv')).filter((e) => e.event === 'connect');
      expect(events.map((e) => e.source).sort()).toEqual(['replay-c1', 'replay-c2', 'replay-c3', 'replay-c4']);
      for (const e of events) expect(e.detail).toMatch(new RegExp(`client id st-replay-[0-9a-f]{16}-c${e.source!.slice(-1)} `));
      // What arrived: each sensor's readings in seq order (its connection kept them in order).
      const lastSeq = new Map<string, number>();
      for (const m of sub.got) {
        const seq = Number(sent.find((r) => r.payload === m.payload && r.topic === m.topic)!.seq);
        expect(seq).toBeGreaterThan(lastSeq.get(m.topic) ?? 0);
        lastSeq.set(m.topic, seq);
      }
    });
  }, 60_000);
});

describe('replay --connections across a broker restart', () => {
  it('each connection reconnects on its own, in the events file under its source; nothing is left unacknowledged', async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await withMosquitto(async (broker) => {
      const log = join(dir, 'sent.csv');
      let restarting: Promise<void> | undefined;
      // Restarted once a sixth of the rows are out (an event of the run, not a timer).
      const summary = await replay({
        ...base(broker.url, profile),
        pacing: { mode: 'rate', hz: 200 },
        qos: 2,
        connections: 2,
        log,
        onProgress: (p) => {
          if (p.sent >= 100 && !restarting) restarting = broker.restart('graceful', 300);
        },
      });
      await restarting;
      expect(restarting).toBeDefined();
      expect([summary.sent, summary.acknowledged, summary.queued, summary.reconnects]).toEqual([600, 600, 0, 2]);
      const events = rows(join(dir, 'sent.events.csv'));
      for (const source of ['replay-c1', 'replay-c2']) {
        const mine = events.filter((e) => e.source === source).map((e) => e.event);
        expect(mine.filter((e) => e === 'connect')).toHaveLength(2);
        expect(mine).toContain('offline');
      }
      expect(rows(log).every((r) => r.acked_at !== '')).toBe(true);
    });
  }, 60_000);
});

describe('replay --connections --resume', () => {
  it('continues a stopped run over the same connections: every seq logged once; a one-connection resume of it is refused', async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await withMosquitto(async (broker) => {
      const log = join(dir, 'sent.csv');
      const stop = new AbortController();
      const options = { ...base(broker.url, profile), pacing: { mode: 'rate', hz: 300 } as const, connections: 2, log };
      const first = await replay({ ...options, signal: stop.signal, onProgress: (p) => p.sent >= 150 && stop.abort() });
      expect(first.stoppedBy).toBe('signal');
      await expect(replay({ ...options, connections: 1, resume: true })).rejects.toThrow('written with several connections: resume it with the same number of connections');
      const second = await replay({ ...options, resume: true });
      expect(second.resumed?.startSeq).toBeGreaterThan(150);
      const seqs = rows(log).map((r) => Number(r.seq));
      expect(seqs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
      expect(rows(log).slice(-10).every((r) => r.connection !== '' && r.acked_at !== '')).toBe(true);
    });
  }, 60_000);
});

describe('replay --partition / --start-at', () => {
  it('3 partitions against one broker: their union is the profile, each row once, and compare over the 3 sent logs and one trace is exact', async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await withMosquitto(async (broker) => {
      const tracePath = join(dir, 'trace.csv');
      let ready!: () => void;
      const subscribed = new Promise<void>((resolve) => (ready = resolve));
      const recording = trace({ filters: ['so/#'], qos: 1, output: tracePath, count: 600, connection: { url: broker.url, protocolVersion: 4 }, onReady: () => ready() });
      await subscribed;
      const startAt = Date.now() + 1500;
      const logs = [1, 2, 3].map((k) => join(dir, `p${k}.csv`));
      const summaries = await Promise.all(logs.map((log, i) => replay({ ...base(broker.url, profile), pacing: { mode: 'rate', hz: 400 }, partition: { index: i + 1, count: 3 }, startAt, log })));
      await recording;
      const seqs = logs.flatMap((log, i) => rows(log).map((r) => {
        expect(partitionOf(r.sensor!, 3)).toBe(i + 1);
        return Number(r.seq);
      }));
      expect(seqs.length).toBe(600);
      expect(new Set(seqs).size).toBe(600);
      expect(Math.min(...seqs)).toBe(1);
      expect(Math.max(...seqs)).toBe(600);
      // One start instant: every partition planned its sends from it.
      for (const log of logs) expect(Number(rows(log)[0]!.planned_at)).toBeGreaterThanOrEqual(startAt);
      expect(summaries.map((s) => s.sent).reduce((a, b) => a + b)).toBe(600);
      const { report } = await compare({ sent: logs, received: [tracePath] });
      expect([report.sent, report.received, report.delivered, report.lost, report.duplicates, report.unexpected]).toEqual([600, 600, 600, 0, 0, 0]);
    });
  }, 60_000);

  it("--partition with --connections: the shard's sensors over its connections by the documented hash", async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await withMosquitto(async (broker) => {
      const log = join(dir, 'p1.csv');
      const summary = await replay({ ...base(broker.url, profile), partition: { index: 1, count: 2 }, connections: 3, log });
      const sent = rows(log);
      expect(sent.length).toBe(summary.sent);
      expect(summary.acknowledged).toBe(summary.sent);
      for (const r of sent) {
        expect(partitionOf(r.sensor!, 2)).toBe(1);
        expect(Number(r.connection)).toBe(connectionOf(r.sensor!, 3, 2));
      }
      expect(new Set(sent.map((r) => r.connection)).size).toBeGreaterThan(1);
    });
  }, 60_000);

  it('refuses an instant long past, and Ctrl+C while waiting for a future one stops at once', async () => {
    const dir = tempDir();
    const profile = profileFile(dir);
    await expect(replay({ ...base('mqtt://127.0.0.1:1', profile), startAt: Date.now() - 5000 })).rejects.toThrow(/startAt: the start instant .* passed 5\.\d s ago/);
    await withMosquitto(async (broker) => {
      const stop = new AbortController();
      let connected!: () => void;
      const isConnected = new Promise<void>((resolve) => (connected = resolve));
      const replaying = replay({ ...base(broker.url, profile), startAt: Date.now() + 3_600_000, log: join(dir, 'sent.csv'), signal: stop.signal, onEvent: (e) => e.event === 'connect' && connected() });
      // Aborted once connected, while waiting for the instant an hour ahead.
      await isConnected;
      const abortedAt = Date.now();
      stop.abort();
      const summary = await replaying;
      expect(Date.now() - abortedAt).toBeLessThan(2000);
      expect([summary.sent, summary.stoppedBy]).toEqual([0, 'signal']);
    });
  }, 60_000);
});
