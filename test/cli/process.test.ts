import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runProcessor } from '../../src/app/process/process.js';
import { mosquittoAvailable, withEmbeddedBroker, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const rules = join(import.meta.dirname, '../../rules');
const fixtures = join(import.meta.dirname, '../fixtures/rules');

describe('sensortrace process', () => {
  it.each(['sin.yaml', 'eca.yaml', 'overheat.yaml', 'silent-sensor.yaml'])('ships a valid rules/%s', async (file) => {
    const run = await runCli(['process', join(rules, file), '--validate-only']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: valid \(\d+ transforms, \d+ rules\)/);
  });

  it('describes what a rules file does', async () => {
    const run = await runCli(['process', join(rules, 'eca.yaml'), '--validate-only']);
    expect(run.stdout).toContain('rule intrusion: on door=home/door/+ motion=home/motion/+; door then motion within 30.0 s when exists(mode.payload) and mode.payload == "away"');
    expect(run.stdout).toContain('data room: rooms.csv (key room)');
  });

  it('rejects a bad rules file with exit 2, naming the rule and the field', async () => {
    const run = await runCli(['process', join(fixtures, 'bad.yaml'), '--validate-only']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:6: rule "too-hot", when: unknown function "sinn"/);
  });

  it('fails with exit 2 on a missing rules file or lookup table', async () => {
    expect((await runCli(['process', join(fixtures, 'nope.yaml')])).code).toBe(2);
    const run = await runCli(['process', join(fixtures, 'missing-table.yaml'), '--validate-only']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-such-table\.csv: cannot read/);
  });

  it('fails with exit 3 when the broker is unreachable', async () => {
    const run = await runCli(['process', join(rules, 'sin.yaml'), '-h', '127.0.0.1', '-p', '9', '--connect-timeout', '300ms', '--quiet']);
    expect(run.code).toBe(3);
  });

  it('runs rules/sin.yaml: cep/x 1.5 → cep/sin 0.997495, then stops after --count', async () => {
    await withEmbeddedBroker(async (broker) => {
      const subscribed = new Promise<void>((resolve) => broker.aedes.on('subscribe', (subs) => subs.some((s) => s.topic === 'cep/x') && resolve()));
      const cli = runCli(['process', join(rules, 'sin.yaml'), '-h', broker.host, '-p', String(broker.port), '-C', '2', '-v']);
      await subscribed;
      const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await pub.publishAsync('cep/x', '1.5', { qos: 1 });
      await pub.publishAsync('cep/x', 'not a number', { qos: 1 });
      await pub.endAsync();
      const run = await cli;
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('cep/sin 0.997495\n');
      expect(run.stderr).toMatch(/listening on mqtt:\/\/127\.0\.0\.1:\d+ to cep\/x/);
      expect(run.stderr).toMatch(/transform "sin": unknown variable "value"/);
      expect(run.stderr).toMatch(/received 2 \(matched 2\), emitted 1: published 1, failed 0, csv rows 0; expression errors 1/);
      expect(run.stderr).toMatch(/stopped by count/);
    });
  });

  it('stops cleanly on abort (Ctrl+C) with exit 0', async () => {
    await withEmbeddedBroker(async (broker) => {
      const controller = new AbortController();
      broker.aedes.on('subscribe', () => controller.abort());
      const run = await runCli(['process', join(rules, 'sin.yaml'), '-h', broker.host, '-p', String(broker.port)], { signal: controller.signal });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/stopped by signal/);
    });
  });
});

describe.runIf(mosquittoAvailable)('the tutorial commands, with mosquitto_pub and mosquitto_sub', () => {
  it('mosquitto_pub -t cep/x -m 1.5 yields 0.997... on cep/sin', async () => {
    await withMosquitto(async (broker) => {
      const controller = new AbortController();
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const processor = runProcessor({ rules: join(rules, 'sin.yaml'), connection: { host: broker.host, port: broker.port }, signal: controller.signal, onReady: () => ready() });
      await isReady;
      // stdbuf: mosquitto_sub block-buffers a pipe, and its SUBACK line is our "ready" signal.
      const sub = spawn('stdbuf', ['-oL', 'mosquitto_sub', '-h', broker.host, '-p', String(broker.port), '-t', 'cep/sin', '-C', '1', '-d']);
      let out = '';
      const subscribed = new Promise<void>((resolve) =>
        sub.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (/SUBACK/.test(out)) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => sub.on('exit', resolve));
      try {
        await subscribed;
        const pub = spawn('mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), '-t', 'cep/x', '-m', '1.5']);
        expect(await new Promise((resolve) => pub.on('exit', resolve))).toBe(0);
        expect(await exited).toBe(0);
      } finally {
        sub.kill();
        controller.abort();
      }
      const lines = out.split('\n').filter((l) => !/^Client|^Subscribed|^\s*$/.test(l));
      expect(lines).toEqual(['0.997495']);
      expect((await processor).published).toBe(1);
    });
  });
});
