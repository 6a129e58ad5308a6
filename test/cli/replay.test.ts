import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/io/broker/free-port.js';
import { tempDir, withBroker, withEmbeddedBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const fixture = (name: string) => join(import.meta.dirname, '../fixtures/profiles', name);
const shipped = (name: string) => join(import.meta.dirname, '../../profiles', name);

describe('sensortrace replay', () => {
  it('replays to a broker, prints a summary, and writes the sent log and events beside it', async () => {
    await withBroker('aedes', async (broker) => {
      const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const got: string[] = [];
      const all = new Promise<void>((resolve) =>
        sub.on('message', (topic, payload) => {
          got.push(`${topic} ${payload.toString()}`);
          if (got.length === 3) resolve();
        }),
      );
      await sub.subscribeAsync('sensors/#', { qos: 1 });
      try {
        const log = join(tempDir(), 'out', 'sent.csv');
        const run = await runCli(['replay', fixture('tutorial.txt'), '-t', 'sensors/{sensor}/temperature', '-q', '1', '--speed', '20', '-p', String(broker.port), '-h', broker.host, '--log', log]);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/sent 3, published 3, acknowledged 3, still queued 0/);
        expect(run.stdout).toMatch(/pacing error p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms/);
        await all;
        expect(got).toEqual(['sensors/tutorial/temperature 1266193804 32', 'sensors/tutorial/temperature 1266193805 33', 'sensors/tutorial/temperature 1266193806 34']);
        expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(4);
        expect(readFileSync(log.replace(/\.csv$/, '.events.csv'), 'utf8')).toMatch(/,replay,connect,0,/);
      } finally {
        await sub.endAsync();
      }
    });
  });

  it('--validate-only prints what was detected and publishes nothing (no broker needed)', async () => {
    const run = await runCli(['replay', shipped('lab-semicolon.csv'), '--validate-only']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('delimiter:   ";", decimal comma');
    expect(run.stdout).toContain('time:        column "Zeit", iso');
    expect(run.stdout).toContain('rows:        30 readings');
    expect(run.stdout).toContain('duration:    4 min 50 s');
  });

  it.each([
    ['bad-value.csv', /bad-value\.csv:3: value: value is not a number \(found "warm"\)/],
    ['backwards.csv', /backwards\.csv:3: time: time goes backwards for sensor "a"/],
    ['wrong-columns.csv', /wrong-columns\.csv:3: expected 2 columns, found 3/],
    ['bad-time.csv', /bad-time\.csv:3: time: cannot read the time/],
  ])('a bad row in %s exits 2 with file:line before connecting', async (name, message) => {
    const port = await freePort();
    const run = await runCli(['replay', fixture(name), '-t', 't', '-p', String(port), '-h', '127.0.0.1', '--connect-timeout', '300ms']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it.each([
    [['--speed', '2', '--max'], /choose one of --speed, --rate and --max/],
    [['-t', 'a/#'], /wildcards/],
    [['-t', 'a/{room}'], /unknown field \{room\}/],
    [['-q', '3'], /QoS must be 0, 1 or 2/],
    [[], /--topic: required \(the profile has no topic column\)/],
    [['-t', 't', '--resume'], /--resume: needs --log, the sent log to continue/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const port = await freePort();
    const run = await runCli(['replay', fixture('single.csv'), ...(args.includes('-t') ? [] : args.some((a) => a === '--speed') ? ['-t', 't'] : []), ...args, '-p', String(port), '--connect-timeout', '300ms']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('an unreachable broker exits 3 after --connect-timeout', async () => {
    const port = await freePort();
    const run = await runCli(['replay', fixture('single.csv'), '-t', 't', '-h', '127.0.0.1', '-p', String(port), '--connect-timeout', '400ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/broker unreachable/);
  });

  it('--quiet prints nothing on success', async () => {
    await withBroker('aedes', async (broker) => {
      const run = await runCli(['replay', fixture('long.csv'), '-t', 's/{sensor}', '--max', '--quiet', '-h', broker.host, '-p', String(broker.port)]);
      expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    });
  });

  it('never prints the password', async () => {
    const port = await freePort();
    const run = await runCli(['replay', fixture('single.csv'), '-t', 't', '-L', `mqtt://user:s3cret@127.0.0.1:${port}`, '--connect-timeout', '300ms'], { env: { SENSORTRACE_PASSWORD: 'envsecret' } });
    expect(run.code).toBe(3);
    expect(run.stderr + run.stdout).not.toMatch(/s3cret|envsecret/);
  });
});

describe('the progress line', () => {
  it('redraws in place on a terminal, throttled, and clears itself', async () => {
    const { PassThrough } = await import('node:stream');
    const { ProgressLine } = await import('../../src/io/output/progress-line.js');
    let now = 0;
    const clock = { now: () => now, sleepUntil: async () => {}, setTimer: () => () => {} };
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString()));
    const line = new ProgressLine(stream, { enabled: true, intervalMs: 100, clock });
    line.update('sent 1');
    now = 50;
    line.update(() => 'sent 2');
    now = 150;
    line.update(() => 'sent 3');
    line.update('offline', true);
    line.clear();
    await new Promise((r) => setImmediate(r));
    expect(out).toBe('\rsent 1\u001b[K\rsent 3\u001b[K\roffline\u001b[K\r\u001b[K');
    const before = out;
    const silent = new ProgressLine(stream, { enabled: false, clock });
    silent.update('x', true);
    silent.clear();
    await new Promise((r) => setImmediate(r));
    expect(out).toBe(before);
  });
});

describe('sensortrace replay as a process', () => {
  const bin = join(import.meta.dirname, '../../dist/cli/bin.js');

  it('SIGINT stops it cleanly: exit 0, summary printed, sent log flushed (needs npm run build)', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    expect(existsSync(bin), 'run `npm run build` first').toBe(true);
    await withEmbeddedBroker(async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      const child = spawn(process.execPath, [bin, 'replay', shipped('hdd-wide.csv'), '-t', 's/{sensor}', '-q', '1', '--speed', '20', '-h', broker.host, '-p', String(broker.port), '--log', log], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Interrupt once the broker has seen a few publishes.
      await new Promise<void>((resolve) => {
        let seen = 0;
        broker.aedes.on('publish', (packet, client) => {
          if (client && ++seen === 10) resolve();
        });
      });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/stopped by signal/);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(11);
      expect(lines.length).toBeLessThan(241);
    });
  });
});
