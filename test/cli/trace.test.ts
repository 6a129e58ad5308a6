import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { runMain } from '../../src/cli/main.js';
import { freePort } from '../../src/io/broker/free-port.js';
import { brokerKinds, mosquittoAvailable, tempDir, withBroker, withEmbeddedBroker, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { connectPublisher, publish, readTrace, signalTraceMidStream } from '../app/trace/helpers.js';

/** Runs the CLI in-process but lets the test watch stderr while it runs (to publish once subscribed). */
function startCli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => {
    err += d.toString();
    waiters.forEach((w) => w());
  });
  const controller = new AbortController();
  const code = runMain(args, { stdout, stderr, signal: controller.signal, env: {}, interactive: false });
  return {
    code,
    abort: () => controller.abort(),
    stdout: () => out,
    stderr: () => err,
    subscribed: () =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (/trace: subscribed/.test(err)) resolve();
        };
        waiters.push(check);
        check();
        void code.then(() => reject(new Error(`trace ended before subscribing: ${err}`)));
      }),
  };
}

describe('trace command: usage and connection errors', () => {
  it.each([
    [['trace', '-t', 'a/#/b'], /--topic: invalid topic filter "a\/#\/b": '#' must be a whole level/],
    [['trace', '-t', 'a/b+'], /'\+' must be a whole level/],
    [['trace', '-t', 'a', '-T', '$share/g/a'], /--filter-out: .*\$share/],
    [['trace', '-t', 'a', '-T', 'x/#/y'], /--filter-out: invalid topic filter "x\/#\/y"/],
    [['trace'], /at least one topic filter with -t/],
    [['trace', '-t', 'a', '--no-clean'], /needs a fixed client id \(-i ID\)/],
    [['trace', '-t', 'a', '-i', 'x', '--session-expiry', '60'], /--session-expiry needs MQTT 5/],
    [['trace', '-t', 'a', '-q', '3'], /QoS must be 0, 1 or 2/],
    [['trace', '-t', 'a', '-F', '%k'], /--format: unknown field "%k"/],
    [['trace', '-t', 'a', '--jsonl'], /need an output file/],
    [['trace', '-t', 'a', '-W', 'soon'], /-W\/--idle: expected a duration/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('exits 3 when the broker is unreachable', async () => {
    const port = await freePort();
    const run = await runCli(['trace', '-t', '#', '-p', String(port), '--connect-timeout', '500ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/broker unreachable: no connection to mqtt:\/\/localhost:\d+ within 0.5 s/);
  });
});

describe.each(brokerKinds)('trace command against %s', (kind) => {
  it('prints -F lines, records the CSV, stops after -C messages (retained ones marked)', async () => {
    await withBroker(kind, async (broker) => {
      const publisher = await connectPublisher(broker);
      for (const n of [1, 2, 3]) await publish(publisher, `f/${n}`, `v${n},x`, 1, true);
      await publisher.endAsync();
      const output = join(tempDir(), 'out', 'trace.csv');
      const run = await runCli(['trace', '-h', broker.host, '-p', String(broker.port), '-t', 'f/#', '-q', '1', '-C', '3', '-o', output, '--fsync', '-F', '%t|%p|%q|%r']);
      expect(run.code).toBe(0);
      expect(run.stdout.trim().split('\n').sort()).toEqual(['f/1|v1,x|1|1', 'f/2|v2,x|1|1', 'f/3|v3,x|1|1']);
      expect(run.stderr).toMatch(/trace: 3 recorded to .*trace\.csv, 0 reconnects; .* stopped by count/);
      const rows = await readTrace(output);
      expect(rows.map((r) => [r.topic, r.payload.toString(), r.retain]).sort()).toEqual([['f/1', 'v1,x', true], ['f/2', 'v2,x', true], ['f/3', 'v3,x', true]]);
    });
  });

  it('without -o prints bare payloads like mosquitto_sub (-N: no newline)', async () => {
    await withBroker(kind, async (broker) => {
      const publisher = await connectPublisher(broker);
      await publish(publisher, 'p/1', 'hello', 0, true);
      await publisher.endAsync();
      const plain = await runCli(['trace', '-h', broker.host, '-p', String(broker.port), '-t', 'p/#', '-C', '1']);
      expect([plain.code, plain.stdout]).toEqual([0, 'hello\n']);
      const raw = await runCli(['trace', '-h', broker.host, '-p', String(broker.port), '-t', 'p/#', '-C', '1', '-N', '--quiet']);
      expect([raw.code, raw.stdout, raw.stderr]).toEqual([0, 'hello', '']);
    });
  });

  it('-R skips retained messages; -v prints "topic payload"; --jsonl writes JSON lines; -W stops when idle', async () => {
    await withBroker(kind, async (broker) => {
      const publisher = await connectPublisher(broker);
      await publish(publisher, 'g/old', 'stale', 0, true);
      const output = join(tempDir(), 'trace.jsonl');
      const cli = startCli(['trace', '-p', String(broker.port), '-h', broker.host, '-t', 'g/#', '-R', '-v', '-W', '0.4', '--jsonl', '-o', output]);
      await cli.subscribed();
      await publish(publisher, 'g/new', 'fresh', 0);
      expect(await cli.code).toBe(0);
      await publisher.endAsync();
      expect(cli.stdout()).toBe('g/new fresh\n');
      expect(cli.stderr()).toMatch(/1 recorded.*1 retained skipped.*stopped by idle/);
      expect(readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as object)).toEqual([expect.objectContaining({ topic: 'g/new', payload: 'fresh', retain: false })]);
    });
  });
});

describe.skipIf(!mosquittoAvailable)('trace command against Mosquitto with its own clients', () => {
  it('records what mosquitto_pub publishes, raw, and decodes MQTT 5 user properties', async () => {
    await withMosquitto(async (broker) => {
      const output = join(tempDir(), 'trace.csv');
      const cli = startCli(['trace', '-p', String(broker.port), '-h', broker.host, '-V', '5', '-i', 'cli-v5', '--session-expiry', '60', '-t', '$share/rec/lab/#', '-q', '2', '-C', '4', '-o', output]);
      await cli.subscribed();
      const pub = (args: string[], input?: string): void => {
        const result = spawnSync('mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), ...args], { input, encoding: 'utf8' });
        expect(result.status, result.stderr).toBe(0);
      };
      // -l: one message per line of stdin, the classroom way of piping a file to the broker.
      pub(['-t', 'lab/plain', '-q', '1', '-l'], '1266193804 32\n1266193805 33\n');
      pub(['-t', 'lab/raw', '-m', 'hello, world']);
      pub(['-V', '5', '-t', 'lab/v5', '-q', '2', '-m', '32.5', '-D', 'publish', 'user-property', 'seq', '7', '-D', 'publish', 'user-property', 'sensor', 'hdd0', '-D', 'publish', 'user-property', 'sent_at', '1700000000000.5']);
      expect(await cli.code).toBe(0);
      const rows = await readTrace(output);
      const byTopic = (t: string) => rows.filter((r) => r.topic === t);
      expect(byTopic('lab/plain').map((r) => [r.profileTime, r.value, r.qos])).toEqual([[1_266_193_804_000, 32, 1], [1_266_193_805_000, 33, 1]]);
      expect(byTopic('lab/raw')[0]).toMatchObject({ payload: Buffer.from('hello, world'), qos: 0 });
      expect(byTopic('lab/raw')[0]?.value).toBeUndefined();
      expect(byTopic('lab/v5')[0]).toMatchObject({ seq: 7, sensor: 'hdd0', value: 32.5, publishedAt: 1_700_000_000_000.5, qos: 2 });
    });
  });
});

describe('trace binary and SIGINT', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('on SIGINT writes every message it received (row count = messages received) and exits 0', async () => {
    await withEmbeddedBroker(async (broker) => {
      const output = join(tempDir(), 'trace.csv');
      // A flush interval far beyond the test: only the signal path can put the rows in the file.
      const { code, out, err } = await signalTraceMidStream({ name: 'aedes', url: broker.url, host: broker.host, port: broker.port }, ['-t', 's/#', '-q', '1', '-o', output, '--flush-interval', '10m', '-v'], { signal: 'SIGINT', payload: String });
      expect(code).toBe(0);
      const recorded = Number(/trace: (\d+) recorded/.exec(err)?.[1]);
      expect(recorded).toBeGreaterThanOrEqual(50);
      const rows = await readTrace(output);
      expect(rows).toHaveLength(recorded);
      expect(rows.map((r) => Number(r.payload.toString()))).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
      expect(out.trim().split('\n')).toHaveLength(recorded);
      expect(err).toMatch(/stopped by signal/);
    });
  });
});
