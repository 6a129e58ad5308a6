import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../src/cli/main.js';
import { readCsvRecords } from '../../src/io/csv/csv-file-reader.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { connectPublisher, publish } from '../app/trace/helpers.js';

/** The rows of a broker.sys.csv (header checked). */
async function readSys(path: string): Promise<Array<{ at: number; topic: string; value: string }>> {
  const rows: Array<{ at: number; topic: string; value: string }> = [];
  for await (const record of readCsvRecords(path, { partialLastLine: 'skip' })) {
    if (record.line === 1) expect(record.cells).toEqual(['at', 'topic', 'value']);
    else rows.push({ at: Number(record.cells[0]), topic: record.cells[1]!, value: record.cells[2]! });
  }
  return rows;
}

/** Waits (checking every 50 ms, at most `ms`) until `condition` holds; fails with `what` otherwise. */
async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const RECEIVED = '$SYS/broker/publish/messages/received';

describe('trace --sys: usage', () => {
  it('--sys alone needs an output file to name its file after (exit 2)', async () => {
    const run = await runCli(['trace', '-t', 'a', '--sys']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--sys needs a file/);
  });

  it('refuses the trace file itself as its file (exit 2, nothing written)', async () => {
    const output = join(tempDir(), 'trace.csv');
    const run = await runCli(['trace', '-t', 'a', '-o', output, '--sys', output]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--sys: the \$SYS file must differ/);
    expect(existsSync(output)).toBe(false);
  });
});

describe('trace --sys: an unwritable file', () => {
  it('exits 2 before connecting, naming the file, and leaves no trace file behind', async () => {
    const output = join(tempDir(), 'trace.csv');
    const run = await runCli(['trace', '-t', 'a', '-p', '1', '-o', output, '--sys', '/proc/sensortrace/sys.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\/proc\/sensortrace\/sys\.csv: cannot write here/);
    expect(existsSync(output)).toBe(false);
  });
});

describe.skipIf(!mosquittoAvailable)('trace --sys against Mosquitto (sys_interval 1)', () => {
  it('records the broker counters beside the trace: messages received grow with what was published', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      const output = join(dir, 'trace.csv');
      const sysPath = join(dir, 'trace.sys.csv');
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (d: Buffer) => (err += d.toString()));
      const controller = new AbortController();
      const code = runMain(['trace', '-h', broker.host, '-p', String(broker.port), '-t', 'lab/#', '-q', '1', '-o', output, '--sys', '--flush-interval', '100ms'], {
        stdout: new PassThrough(),
        stderr,
        signal: controller.signal,
        env: {},
        interactive: false,
      });
      await until(() => /trace: subscribed/.test(err), 'the trace to subscribe');
      // The retained snapshot arrives at subscription: the counter's first value.
      await until(async () => existsSync(sysPath) && (await readSys(sysPath)).some((r) => r.topic === RECEIVED), 'the first $SYS snapshot');
      const before = Math.max(...(await readSys(sysPath)).filter((r) => r.topic === RECEIVED).map((r) => Number(r.value)));
      const publisher = await connectPublisher({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port });
      for (let i = 1; i <= 25; i++) await publish(publisher, 'lab/t', String(i), 1);
      publisher.end();
      await until(async () => (await readSys(sysPath)).some((r) => r.topic === RECEIVED && Number(r.value) >= before + 25), 'publish/messages/received to count the 25 messages');
      controller.abort();
      expect(await code).toBe(0);

      const rows = await readSys(sysPath);
      const received = rows.filter((r) => r.topic === '$SYS/broker/messages/received').map((r) => Number(r.value));
      expect(received.length).toBeGreaterThan(1);
      received.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(received[i]!));
      expect(received.at(-1)!).toBeGreaterThan(received[0]!);
      expect(rows.map((r) => r.topic)).toContain('$SYS/broker/clients/connected');
      expect(rows.every((r, i) => i === 0 || r.at >= rows[i - 1]!.at)).toBe(true);
      expect(err).toMatch(new RegExp(`trace: \\d+ \\$SYS rows to ${sysPath.replace(/[.]/g, '\\.')}`));
      expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(26);
    });
  }, 30_000);

  it('watch --sys FILE records the counters while it shows the stream (the snapshot at subscription at least)', async () => {
    await withMosquitto(async (broker) => {
      const sysPath = join(tempDir(), 'watch.sys.csv');
      const run = await runCli(['watch', '-h', broker.host, '-p', String(broker.port), '-t', 'lab/#', '--duration', '2s', '--sys', sysPath]);
      expect(run.code, run.stderr).toBe(0);
      const topics = (await readSys(sysPath)).map((r) => r.topic);
      expect(topics).toContain('$SYS/broker/uptime');
      expect(topics).toContain('$SYS/broker/clients/connected');
      expect(run.stderr).toMatch(/watch: \d+ \$SYS rows to /);
    });
  }, 30_000);
});
