import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../src/app/compare/compare.js';
import { replay } from '../../src/app/replay/replay.js';
import { trace, type TraceSummary } from '../../src/app/trace/trace.js';
import { MosquittoBroker } from '../../src/io/broker/mosquitto-broker.js';
import { freePort } from '../../src/io/broker/free-port.js';
import { readReceived } from '../../src/io/logs/trace-reader.js';
import { mosquittoAvailable, tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const root = new URL('../..', import.meta.url).pathname;

function profileOf(dir: string, rows: number): string {
  const path = join(dir, `p${rows}.csv`);
  writeFileSync(path, ['time,value', ...Array.from({ length: rows }, (_, i) => `${1_700_000_000 + i},${i}.5`)].join('\n') + '\n');
  return path;
}

/** Waits for a file to contain a pattern (an events file line), bounded. */
async function waitForText(path: string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      /* not written yet */
    }
    if (pattern.test(text)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} in ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hostile publish topics are refused before connecting', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sensortrace-hostile-');
  });

  it.each([
    ['a/+', /wildcards/],
    ['sensors/#', /wildcards/],
    ['{sensor}/+/x', /wildcards/],
    ['$SYS/broker/fake', /reserved for the broker/],
  ])('replay -t %j: exit 2 (%s)', async (topic, message) => {
    const port = await freePort();
    const started = Date.now();
    const run = await runCli(['replay', profileOf(dir, 3), '-t', topic, '-h', '127.0.0.1', '-p', String(port), '--connect-timeout', '20s']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    // Refused by validation, not by waiting for a broker.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    ['a NUL', 'a\u0000b', /NUL/],
    ['65536 bytes', 'a'.repeat(65_536), /65535 bytes/],
    ['65535 bytes made of 3-byte characters plus one', '€'.repeat(21_845) + 'x', /65535 bytes/],
  ])('replay() with a topic of %s: usage error', async (_name, topic, message) => {
    await expect(replay({ profile: profileOf(dir, 2), topic, pacing: { mode: 'max' }, qos: 0, connection: { host: '127.0.0.1', port: 1, connectTimeoutMs: 300 } })).rejects.toMatchObject({
      code: 'E_USAGE',
      message,
    });
  });

  it('a hostile rule expression is a located error through the process command, never run', async () => {
    const rules = join(dir, 'evil.yaml');
    writeFileSync(
      rules,
      ['name: evil', 'rules:', '  - on: x/in', '    when: constructor.constructor("return process")().exit(9)', '    do: { publish: { topic: x/out, payload: "{payload}" } }', ''].join('\n'),
    );
    const run = await runCli(['process', rules, '--validate-only']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/evil\.yaml:\d+: /);
  });
});

describe.runIf(mosquittoAvailable)('hostile topics and payloads on a real Mosquitto', () => {
  let dir: string;
  let broker: MosquittoBroker;

  beforeAll(async () => {
    dir = tempDir('sensortrace-hostile-m-');
    broker = new MosquittoBroker({ dir: join(dir, 'broker'), persistence: false });
    await broker.start();
  });
  afterAll(async () => {
    await broker?.stop('crash');
  });

  async function roundTrip(topic: string, filter: string, rows: number): Promise<{ summary: TraceSummary; delivered: number; topics: Set<string> }> {
    const output = join(tempDir(), 'trace.csv');
    const log = join(tempDir(), 'sent.csv');
    const controller = new AbortController();
    let seen = 0;
    let all!: () => void;
    const complete = new Promise<void>((resolve) => (all = resolve));
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const tracing = trace({
      filters: [filter],
      qos: 1,
      output,
      signal: controller.signal,
      connection: { host: broker.host, port: broker.port },
      onReady: () => ready(),
      onMessage: () => {
        if (++seen === rows) all();
      },
    });
    await Promise.race([subscribed, tracing]);
    await replay({ profile: profileOf(dir, rows), topic, pacing: { mode: 'max' }, qos: 1, payloadFormat: 'json', connection: { host: broker.host, port: broker.port }, log });
    let guard: NodeJS.Timeout | undefined;
    await Promise.race([complete, new Promise((r) => (guard = setTimeout(r, 10_000)))]);
    clearTimeout(guard);
    controller.abort();
    const summary = await tracing;
    const { report } = await compare({ sent: log, received: [output] });
    const { arrivals } = await readReceived(output);
    return { summary, delivered: report.delivered, topics: new Set(arrivals.map((a) => a.topic)) };
  }

  it('empty topic levels round-trip', async () => {
    const tag = randomBytes(3).toString('hex');
    const result = await roundTrip(`/${tag}//{sensor}/`, `/${tag}/#`, 5);
    expect(result.delivered).toBe(5);
    expect([...result.topics]).toEqual([`/${tag}//p5/`]);
  });

  it('a 65535-byte topic (the MQTT maximum) round-trips', async () => {
    const topic = `L${randomBytes(2).toString('hex')}/${'x'.repeat(65_535 - 6)}`;
    expect(Buffer.byteLength(topic)).toBe(65_535);
    const result = await roundTrip(topic, `${topic.slice(0, 5)}/#`, 3);
    expect(result.delivered).toBe(3);
    expect([...result.topics]).toEqual([topic]);
  });

  it('$SYS: trace records the broker topics it is asked for; # never includes them, a client cannot forge them', async () => {
    const output = join(tempDir(), 'sys.csv');
    const summary = await trace({ filters: ['$SYS/broker/version'], qos: 0, output, count: 1, durationMs: 10_000, connection: { host: broker.host, port: broker.port } });
    expect(summary.stoppedBy).toBe('count');
    const { arrivals } = await readReceived(output);
    expect(arrivals[0]!.topic).toBe('$SYS/broker/version');
    // '#' never matches $SYS (MQTT 4.7.2): the retained $SYS/broker/version would come first otherwise.
    let hashReady!: () => void;
    const hashSubscribed = new Promise<void>((resolve) => (hashReady = resolve));
    const hashOutput = join(tempDir(), 'hash.csv');
    const hashTrace = trace({ filters: ['#'], qos: 0, output: hashOutput, count: 1, durationMs: 10_000, onReady: () => hashReady(), connection: { host: broker.host, port: broker.port } });
    await Promise.race([hashSubscribed, hashTrace]);
    const probe = await mqtt.connectAsync(broker.url);
    await probe.publishAsync('hash/probe', 'x', { qos: 1 });
    await probe.endAsync();
    await hashTrace;
    expect((await readReceived(hashOutput)).arrivals.map((a) => a.topic)).toEqual(['hash/probe']);
    // A client's publish to $SYS is dropped by Mosquitto: the reason replay refuses such topics.
    const pub = await mqtt.connectAsync(broker.url);
    const sub = await mqtt.connectAsync(broker.url);
    const got: string[] = [];
    sub.on('message', (t) => got.push(t));
    await sub.subscribeAsync({ '$SYS/fake/#': { qos: 1 }, 'probe/#': { qos: 1 } });
    await pub.publishAsync('$SYS/fake/x', 'forged', { qos: 1 });
    await pub.publishAsync('probe/after', 'marker', { qos: 1 });
    await new Promise<void>((resolve) => (got.includes('probe/after') ? resolve() : sub.on('message', (t) => t === 'probe/after' && resolve())));
    expect(got).toEqual(['probe/after']);
    await pub.endAsync();
    await sub.endAsync();
  });

  it('a 16 MB binary payload goes through trace into the CSV and back intact', async () => {
    const output = join(tempDir(), 'big.csv');
    const payload = randomBytes(16 * 1024 * 1024);
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const tracing = trace({ filters: ['big/#'], qos: 1, output, count: 1, durationMs: 30_000, onReady: () => ready(), connection: { host: broker.host, port: broker.port } });
    await Promise.race([subscribed, tracing]);
    const pub = await mqtt.connectAsync(broker.url);
    await pub.publishAsync('big/blob', payload, { qos: 1 });
    await pub.endAsync();
    const summary = await tracing;
    expect(summary.stoppedBy).toBe('count');
    const text = readFileSync(output, 'utf8');
    const row = text.split('\n')[1]!;
    const cell = row.split(',')[5]!;
    expect(cell.startsWith('base64:')).toBe(true);
    expect(Buffer.from(cell.slice('base64:'.length), 'base64').equals(payload)).toBe(true);
    const { arrivals } = await readReceived(output);
    expect(arrivals).toHaveLength(1);
  }, 30_000);

  it('hostile payloads through the process command stay data: nothing polluted, nothing crashes', async () => {
    const log = join(tempDir(), 'process.csv');
    const controller = new AbortController();
    const running = runCli(['process', join(root, 'test/fixtures/rules/hostile.yaml'), '-h', broker.host, '-p', String(broker.port), '--log', log, '--quiet'], { signal: controller.signal });
    try {
      await waitForText(join(log.replace(/\.csv$/, '.events.csv')), /,subscribe,/);
      const sub = await mqtt.connectAsync(broker.url);
      const seen: string[] = [];
      await sub.subscribeAsync('fx/seen', { qos: 1 });
      const hostile = ['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', 'constructor.constructor("return process")()', '\u0000\uffff{{payload}}', '{"value":1e309}'];
      const allSeen = new Promise<void>((resolve) =>
        sub.on('message', (_t, p) => {
          seen.push(p.toString());
          if (seen.length === 3) resolve();
        }),
      );
      const pub = await mqtt.connectAsync(broker.url);
      for (const p of hostile) await pub.publishAsync('fx/in', p, { qos: 1 });
      await pub.endAsync();
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([allSeen, new Promise((r) => (guard = setTimeout(r, 10_000)))]);
      clearTimeout(guard);
      await sub.endAsync();
      expect(seen).toEqual(hostile.slice(0, 3));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      controller.abort();
    }
    const run = await running;
    expect(run.code).toBe(0);
  });
});
