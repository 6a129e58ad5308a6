import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReplayApiState } from '../../src/core/live/replay-state.js';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir, withEmbeddedBroker } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '../..');
beforeAll(() => ensureBuilt(), 120_000);

function profile(readings: number): string {
  const path = join(tempDir('sensortrace-live-cli-'), 'profile.csv');
  writeFileSync(path, `time,value\n${Array.from({ length: readings }, (_, i) => `${(i * 0.1).toFixed(1)},${20 + i / 10}`).join('\n')}\n`);
  return path;
}

describe('replay --web', () => {
  it('prints the page’s address on stderr, serves /api/state while it publishes, exits 0 with the usual summary', async () => {
    await withEmbeddedBroker(async (broker) => {
      const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'replay', profile(40), '--time-format', 'relative-s', '-t', 'cli/live', '-q', '1', '--rate', '20', '-p', String(broker.port), '--web', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /live page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
          if (m) resolve(m[1]!);
        });
        child.once('exit', () => reject(new Error(`exited before the page listened: ${stderr}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        let state: ReplayApiState | undefined;
        await expect.poll(async () => (state = (await (await fetch(`${url}api/state`)).json()) as ReplayApiState).sent, { timeout: 10_000 }).toBeGreaterThan(0);
        expect(state).toMatchObject({ phase: 'replaying', qos: 1, planned: 40, connected: true, max_inflight: expect.any(Number) });
        expect(state!.acked).toBeLessThanOrEqual(state!.sent);
        expect(await exited).toBe(0);
        expect(stdout).toMatch(/sent 40, published 40, acknowledged 40/);
      } finally {
        clearTimeout(killer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }, 40_000);
});

describe('--web: a port in use', () => {
  it.each([
    ['replay', (port: number) => ['replay', profile(3), '-t', 'x', '--web', String(port), '-p', '1']],
    ['experiment', (port: number) => ['experiment', '--profile', profile(3), '-o', join(tempDir('sensortrace-live-cli-'), 'out'), '--web', String(port)]],
  ])('%s exits 2 naming the port, before anything else', async (_name, args) => {
    const server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const run = await runCli(args(port));
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`--web: port ${port} is in use on 127.0.0.1`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
