import { spawn } from 'node:child_process';
import { existsSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir } from '../helpers/brokers.js';

const root = new URL('../..', import.meta.url).pathname;

/** A loopback port nobody listens on (connections refused: MQTT.js keeps retrying). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Runs the CLI against an unreachable broker with a 30 s connect timeout, sends SIGINT once it is
 * retrying, and measures how long the process takes to exit: a connect deadline or retry timer
 * left behind would keep Node alive until it fires.
 */
async function exitAfterSigint(args: string[], opensFirst: string): Promise<{ code: number | null; ms: number }> {
  ensureBuilt();
  const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), ...args, '--connect-timeout', '30s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // The output file is opened just before connecting: once it exists, the command is connecting.
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (!existsSync(opensFirst)) return;
      watcher.close();
      resolve();
    };
    const watcher = watch(dirname(opensFirst), check);
    check();
  });
  const started = Date.now();
  child.kill('SIGINT');
  const code = await exited;
  clearTimeout(killer);
  return { code, ms: Date.now() - started };
}

describe('an aborted command leaves no connect timer behind', () => {
  it('replay (QoS 1, persistent session) exits within a second of SIGINT while the broker is unreachable', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeFileSync(profile, 'time,value\n0,1\n1,2\n');
    const port = await closedPort();
    const { code, ms } = await exitAfterSigint(['replay', profile, '-t', 'a/{sensor}', '-q', '1', '--log', join(dir, 'sent.csv'), '-p', String(port), '--quiet'], join(dir, 'sent.csv'));
    expect(code).toBe(0);
    expect(ms).toBeLessThan(1000);
  }, 45_000);

  it('trace exits within a second of SIGINT while the broker is unreachable', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const { code, ms } = await exitAfterSigint(['trace', '-t', 'a/#', '-o', join(dir, 't.csv'), '-p', String(port), '--quiet'], join(dir, 't.csv'));
    expect(code).toBe(0);
    expect(ms).toBeLessThan(1000);
  }, 45_000);
});
