import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateProfileLines } from '../../src/core/profile/generate.js';
import { ensureBuilt } from '../helpers/build.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const bin = join(import.meta.dirname, '../../dist/cli/bin.js');
const MESSAGES = 20_000;
const SHARDS = 4;

/** Polls a condition (a file another process writes) until true; the deadline turns a hang into a failure. */
async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const exitOf = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).length;

async function compareJson(args: string[]): Promise<Record<string, number>> {
  const run = await runCli(['compare', ...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, number>;
}

describe.runIf(mosquittoAvailable)('sharded recording: 4 trace processes in one shared subscription', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('compare --received s1 … s4 accounts for them as one recording, held against an independent mosquitto_sub', async () => {
    const dir = tempDir();
    const profile = join(dir, 'profile.csv');
    const sensors = Array.from({ length: 50 }, (_, i) => `s${i + 1}`);
    writeFileSync(profile, [...generateProfileLines({ pattern: 'daily', sensors, rateHz: 1, durationMs: (MESSAGES / sensors.length) * 1000, startMs: 1_700_000_000_000, shape: 'long', timeFormat: 'epoch-ms', delimiter: ',', noise: 0.1 })].join(''));
    // Queues without limit: this test is about accounting for shards, not about keeping up (bench: live-burst).
    await withMosquitto(
      async (broker) => {
        const hp = ['-h', broker.host, '-p', String(broker.port)];
        const children: ChildProcess[] = [];
        const shards = Array.from({ length: SHARDS }, (_, k) => join(dir, `shard${k + 1}.csv`));
        const subPath = join(dir, 'sub.txt');
        try {
          const subOut = openSync(subPath, 'w');
          const sub = spawn('mosquitto_sub', [...hp, '-i', 'independent', '-t', 'sh/#', '-q', '1', '-C', String(MESSAGES), '-F', '%U %t %p'], { stdio: ['ignore', subOut, 'inherit'] });
          closeSync(subOut);
          children.push(sub);
          let printed = 0;
          const tracers = shards.map((out, k) => {
            const child = spawn(process.execPath, [bin, 'trace', ...hp, '-i', `shard-${k + 1}`, '-t', '$share/g/sh/#', '-q', '1', '-o', out, '-F', '%t'], { stdio: ['ignore', 'pipe', 'ignore'] });
            child.stdout!.on('data', (d: Buffer) => {
              for (const byte of d) if (byte === 10) printed++;
            });
            children.push(child);
            return child;
          });
          const log = () => (existsSync(broker.logPath) ? readFileSync(broker.logPath, 'utf8') : '');
          await until('every subscriber to subscribe', () => ['independent 1 sh/#', ...shards.map((_, k) => `shard-${k + 1} 1 $share/g/sh/#`)].every((s) => log().includes(s)));

          const replay = spawn(process.execPath, [bin, 'replay', profile, ...hp, '-t', 'sh/{sensor}', '-q', '1', '--max', '--connections', '2', '--log', join(dir, 'sent.csv'), '--quiet'], { stdio: 'ignore' });
          children.push(replay);
          expect(await exitOf(replay)).toBe(0);
          expect(await exitOf(sub)).toBe(0);
          await until('the tracers to print every message', () => printed >= MESSAGES);
          for (const tracer of tracers) tracer.kill('SIGINT');
          for (const tracer of tracers) expect(await exitOf(tracer)).toBe(0);
        } finally {
          for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        }

        const rows = shards.map((path) => lines(path) - 1);
        // Every shard got a share (Mosquitto hands each message to the group's next subscriber), none twice.
        for (const n of rows) expect(n).toBeGreaterThan(0);
        expect(rows.reduce((a, b) => a + b)).toBe(MESSAGES);
        expect(lines(subPath)).toBe(MESSAGES);

        const sent = join(dir, 'sent.csv');
        const merged = await compareJson(['--sent', sent, '--received', ...shards]);
        const independent = await compareJson(['--sent', sent, '--received', subPath]);
        for (const report of [merged, independent]) {
          expect([report.sent, report.received, report.delivered, report.lost, report.duplicates, report.unexpected]).toEqual([MESSAGES, MESSAGES, MESSAGES, 0, 0, 0]);
        }
      },
      { extraConfig: ['log_type subscribe', 'max_queued_messages 0'] },
    );
  }, 180_000);
});
