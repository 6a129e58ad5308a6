import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { closedPort, startCli, stopWith, until } from './signal-harness.js';

/**
 * Runs the CLI against an unreachable broker with a 30 s connect timeout, sends SIGINT once it is
 * retrying, and measures how long the process takes to exit (its own time, less any wait for a
 * CPU on a loaded machine: see stopWith): a connect deadline or retry timer left behind would
 * keep Node alive until it fires.
 */
async function exitAfterSigint(args: string[], opensFirst: string): Promise<{ code: number | null; ms: number }> {
  const cli = startCli([...args, '--connect-timeout', '30s']);
  // The output file is opened just before connecting: once it exists, the command is connecting.
  await until(() => existsSync(opensFirst), 'the output file', cli);
  const { code, ownMs } = await stopWith(cli, 'SIGINT');
  return { code, ms: ownMs };
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
