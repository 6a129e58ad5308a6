import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runProcessor, type ProcessSummary } from '../../../src/app/process/process.js';
import type { Emission } from '../../../src/core/rules/engine.js';
import { brokerKinds, tempDir, withBroker, withMosquitto, mosquittoAvailable, type BrokerUnderTest } from '../../helpers/brokers.js';

const fixtures = join(import.meta.dirname, '../../fixtures/rules');
const shipped = join(import.meta.dirname, '../../../rules');

interface Received {
  topic: string;
  payload: string;
  userProperties?: Record<string, string | string[]>;
}

/** A plain MQTT client subscribed to `filter`, collecting what arrives. */
async function subscriber(
  url: string,
  filter: string,
  protocolVersion: 4 | 5 = 4,
): Promise<{ client: MqttClient; got: Received[]; next: (n: number) => Promise<Received[]>; until: (seen: (got: Received[]) => boolean) => Promise<void> }> {
  const client = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
  const got: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString(), userProperties: packet.properties?.userProperties });
    for (const w of waiters.splice(0)) w();
  });
  await client.subscribeAsync(filter, { qos: 1 });
  // Resolves on the arrival that makes `seen` true: waits for messages, never on a timer.
  const until = (seen: (got: Received[]) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (seen(got)) resolve();
        else waiters.push(check);
      };
      check();
    });
  const next = async (n: number): Promise<Received[]> => {
    await until((g) => g.length >= n);
    return got.slice(0, n);
  };
  return { client, got, next, until };
}

/** Starts the processor and resolves once it has subscribed. */
async function startProcessor(broker: BrokerUnderTest, rules: string, extra: { protocolVersion?: 4 | 5; log?: string; emitted?: Emission[]; warnings?: string[] } = {}) {
  const controller = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const done: Promise<ProcessSummary> = runProcessor({
    rules,
    connection: { host: broker.host, port: broker.port, protocolVersion: extra.protocolVersion ?? 4 },
    signal: controller.signal,
    onReady: () => ready(),
    ...(extra.log ? { log: extra.log } : {}),
    onEmit: (e) => extra.emitted?.push(e),
    onWarning: (w) => extra.warnings?.push(w),
  });
  await Promise.race([isReady, done]);
  return {
    stop: async (): Promise<ProcessSummary> => {
      controller.abort();
      return done;
    },
  };
}

describe.each(brokerKinds)('process against %s', (kind) => {
  it('exercise 14: X on cep/x becomes sin(X) on cep/sin, in the same format', async () => {
    await withBroker(kind, async (broker) => {
      const dir = tempDir();
      const log = join(dir, 'process.csv');
      const processor = await startProcessor(broker, join(shipped, 'sin.yaml'), { log });
      const sub = await subscriber(broker.url, 'cep/sin');
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const inputs = ['1.5', '1266193804 2', '{"seq":9,"sensor":"x","time":1700000000000,"value":-0.25,"sent_at":1700000000001}'];
      for (const payload of inputs) await pub.publishAsync('cep/x', payload, { qos: 1 });
      const got = await sub.next(3);
      expect(got[0]!.payload).toBe('0.997495');
      const [time, value] = got[1]!.payload.split(' ');
      expect(time).toBe('1266193804');
      expect(Number(value)).toBeCloseTo(Math.sin(2), 6);
      const json = JSON.parse(got[2]!.payload) as Record<string, number | string>;
      expect(json).toMatchObject({ seq: 9, sensor: 'x', time: 1700000000000, sent_at: 1700000000001, cause: ['cep/x#9'] });
      expect(json.value).toBeCloseTo(Math.sin(-0.25), 12);
      await pub.endAsync();
      await sub.client.endAsync();
      const summary = await processor.stop();
      expect(summary).toMatchObject({ received: 3, matched: 3, emitted: 3, published: 3, errors: 0, stoppedBy: 'signal', fired: { sin: 3 } });
      const rows = readFileSync(log, 'utf8').trim().split('\n');
      expect(rows[0]).toBe('at,rule,action,topic,qos,retain,cause,payload');
      expect(rows).toHaveLength(4);
      expect(rows[3]).toContain('cep/x#9');
      expect(readFileSync(join(dir, 'process.events.csv'), 'utf8')).toMatch(/process,connect,0,[\s\S]*process,subscribe,,cep\/x q0[\s\S]*process,close/);
      rmSync(dir, { recursive: true, force: true });
    });
  });

  it('exercise 15: ECA rules fire on events, lookup data and another topic, and write CSV', async () => {
    await withBroker(kind, async (broker) => {
      const dir = tempDir();
      const csv = join(dir, 'hot.csv');
      writeFileSync(join(dir, 'rules.yaml'), readFileSync(join(fixtures, 'quick-eca.yaml'), 'utf8').replace('{CSV}', csv));
      copyFileSync(join(fixtures, 'limits.json'), join(dir, 'limits.json'));
      const emitted: Emission[] = [];
      const processor = await startProcessor(broker, join(dir, 'rules.yaml'), { emitted });
      const sub = await subscriber(broker.url, 'fx/alert/#');
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      // Not armed yet: no alert. Then armed (retained, as a house mode would be): a (limit 50)
      // at 60 alerts, b (default limit 80) at 60 does not.
      await pub.publishAsync('fx/temp/a', '60', { qos: 1 });
      await pub.publishAsync('fx/mode', 'armed', { qos: 1, retain: true });
      await pub.publishAsync('fx/temp/a', '61', { qos: 1 });
      await pub.publishAsync('fx/temp/b', '60', { qos: 1 });
      await pub.publishAsync('fx/door', '1', { qos: 1 });
      await pub.publishAsync('fx/motion', '2', { qos: 1 });
      // After the last reading of each sensor, 1 s of silence: one silent alert per sensor.
      const got = await sub.next(4);
      const topics = got.map((g) => g.topic).sort();
      expect(topics).toEqual(['fx/alert/a/hot', 'fx/alert/a/silent', 'fx/alert/b/silent', 'fx/alert/intrusion']);
      expect(JSON.parse(got.find((g) => g.topic === 'fx/alert/a/hot')!.payload)).toMatchObject({ rule: 'hot', value: 61, high: 50 });
      expect(got.find((g) => g.topic === 'fx/alert/intrusion')!.payload).toBe('1->2');
      expect(got.find((g) => g.topic === 'fx/alert/a/silent')!.payload).toBe('61');
      await pub.endAsync();
      await sub.client.endAsync();
      const summary = await processor.stop();
      expect(summary.fired).toEqual({ hot: 1, 'door-then-motion': 1, silent: 2 });
      expect(summary.csvRows).toBe(1);
      const lines = readFileSync(csv, 'utf8').trim().split('\n');
      expect(lines[0]).toBe('at,rule,sensor,value,cause');
      expect(lines[1]).toMatch(/^\d+\.\d+,hot,a,61,fx\/temp\/a@\d+/);
      rmSync(dir, { recursive: true, force: true });
    });
  });

  it('hostile payloads stay data: nothing crashes, nothing is polluted', async () => {
    await withBroker(kind, async (broker) => {
      const warnings: string[] = [];
      const processor = await startProcessor(broker, join(fixtures, 'hostile.yaml'), { warnings });
      const sub = await subscriber(broker.url, 'fx/+');
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const hostile = [
        '{"__proto__": {"polluted": 1}, "value": 1}',
        '{"constructor": {"prototype": {"polluted": 1}}, "value": 2}',
        '{"value": "process.exit(1)"}',
        'constructor.constructor("return process")().exit(1)',
        Buffer.from([0xff, 0x00, 0xfe]).toString('latin1'),
        '3',
      ];
      for (const payload of hostile) await pub.publishAsync('fx/in', payload, { qos: 1 });
      // fx/in comes back too (we subscribed to fx/+); wait for the last doubled value.
      await sub.until((got) => got.some((g) => g.topic === 'fx/out' && g.payload === '6'));
      // The first two are json readings (value 1 and 2), so their doubles go out as json.
      const out = sub.got.filter((g) => g.topic === 'fx/out').map((g) => (g.payload.startsWith('{') ? (JSON.parse(g.payload) as { value: number }).value : Number(g.payload)));
      expect(out).toEqual([2, 4, 6]);
      expect(sub.got.filter((g) => g.topic === 'fx/seen')).toHaveLength(3);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      await pub.endAsync();
      await sub.client.endAsync();
      const summary = await processor.stop();
      expect(summary.errors).toBe(3);
      expect(warnings.join('\n')).toMatch(/unknown variable "value"/);
    });
  });
});

describe('process with separate data that changes', () => {
  it('reloads a lookup table when its file changes, and the decision follows', async () => {
    await withBroker('aedes', async (broker) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'limits.csv'), 'sensor,high\nx,100\n');
      writeFileSync(join(dir, 'rules.yaml'), 'data: { limits: { file: limits.csv } }\nrules: [{ name: hot, on: t/+, when: value > limits.high, do: { publish: { topic: "alert/{sensor}", payload: "{value}>{limits.high}" } } }, { name: seen, on: t/+, do: { publish: { topic: "seen/{sensor}", payload: "{value}" } } }]\n');
      const controller = new AbortController();
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      let reloaded!: () => void;
      const isReloaded = new Promise<void>((resolve) => (reloaded = resolve));
      const done = runProcessor({
        rules: join(dir, 'rules.yaml'),
        connection: { host: broker.host, port: broker.port },
        reloadIntervalMs: 50,
        signal: controller.signal,
        onReady: () => ready(),
        onReload: (name, rows) => name === 'limits' && rows === 1 && reloaded(),
      });
      await isReady;
      const sub = await subscriber(broker.url, 'alert/#');
      const seen = await subscriber(broker.url, 'seen/#');
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await pub.publishAsync('t/x', '60', { qos: 1 });
      await seen.next(1); // 60 was judged against the old table (100): no alert
      writeFileSync(join(dir, 'limits.csv'), 'sensor,high\nx,50\n');
      await isReloaded;
      await pub.publishAsync('t/x', '61', { qos: 1 });
      expect((await sub.next(1))[0]!.payload).toBe('61>50');
      await pub.endAsync();
      await sub.client.endAsync();
      await seen.client.endAsync();
      controller.abort();
      expect((await done).fired).toEqual({ hot: 1, seen: 2 });
      rmSync(dir, { recursive: true, force: true });
    });
  });
});

describe('process when an output cannot be written', () => {
  it('fails with E_OUTPUT (exit 2) at the start, before subscribing, not at the rule\'s first match', async () => {
    await withBroker('aedes', async (broker) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'blocker'), 'a file, not a directory');
      writeFileSync(join(dir, 'rules.yaml'), `rules: [{ on: t, do: { csv: { file: ${JSON.stringify(join(dir, 'blocker', 'out.csv'))}, columns: { v: value } } } }]\n`);
      let ready = false;
      const done = runProcessor({ rules: join(dir, 'rules.yaml'), connection: { host: broker.host, port: broker.port }, onReady: () => (ready = true) });
      await expect(done).rejects.toMatchObject({ code: 'E_OUTPUT', exitCode: 2, message: expect.stringContaining('blocker') });
      expect(ready).toBe(false);
    });
  });
});

describe.runIf(mosquittoAvailable)('process across a mosquitto restart', () => {
  it('subscribes again when the broker comes back without our session, and carries on', async () => {
    await withMosquitto(async (broker) => {
      const controller = new AbortController();
      const events: string[] = [];
      let onSubscribe: (() => void) | undefined;
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const done = runProcessor({
        rules: join(shipped, 'sin.yaml'),
        connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100 },
        signal: controller.signal,
        onReady: () => ready(),
        onEvent: (e) => {
          events.push(e.event);
          if (e.event === 'subscribe') onSubscribe?.();
        },
      });
      await isReady;
      const resubscribed = new Promise<void>((resolve) => (onSubscribe = resolve));
      await broker.restart('crash');
      await resubscribed;
      const sub = await subscriber(broker.url, 'cep/sin');
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await pub.publishAsync('cep/x', '0', { qos: 1 });
      expect((await sub.next(1))[0]!.payload).toBe('0');
      await pub.endAsync();
      await sub.client.endAsync();
      controller.abort();
      const summary = await done;
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(events).toEqual(expect.arrayContaining(['connect', 'subscribe', 'offline', 'reconnect', 'close']));
      expect(events.filter((e) => e === 'subscribe')).toHaveLength(2);
    });
  });
});

describe.runIf(mosquittoAvailable)('process with MQTT 5 on mosquitto', () => {
  it('carries seq/sensor/time and the cause as user properties, and never hears itself (No Local)', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      // Output on the very topic it listens to: with No Local the processor does not loop.
      writeFileSync(join(dir, 'loop.yaml'), 'transforms: [{ name: neg, subscribe: "v5/#", value: -value, publish: v5/out }]\n');
      const processor = await startProcessor({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port }, join(dir, 'loop.yaml'), { protocolVersion: 5 });
      const sub = await subscriber(broker.url, 'v5/out', 5);
      const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
      await pub.publishAsync('v5/in', '{"seq":4,"sensor":"s","time":1700000000000,"value":2}', { qos: 1 });
      const [got] = await sub.next(1);
      expect(JSON.parse(got!.payload)).toMatchObject({ value: -2, seq: 4, cause: ['v5/in#4'] });
      expect(got!.userProperties).toMatchObject({ seq: '4', sensor: 's', time: '1700000000000', cause: 'v5/in#4' });
      await pub.endAsync();
      await sub.client.endAsync();
      const summary = await processor.stop();
      expect(summary.received).toBe(1);
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
