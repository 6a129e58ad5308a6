import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SENT_COLUMNS } from '../../src/core/records.js';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/** Bad --connections / --partition / --start-at values: exit 2 naming the flag, before any connection (port 1 is never dialled). */
describe('replay --connections / --partition / --start-at flags', () => {
  const profile = join(tempDir(), 'p.csv');
  writeFileSync(profile, 'time,sensor,value\n1700000000,a,1\n1700000001,b,2\n');
  const oneConnectionLog = join(tempDir(), 'sent.csv');
  writeFileSync(oneConnectionLog, `${SENT_COLUMNS.join(',')}\n`);
  const run = (...flags: string[]) => runCli(['replay', profile, '-t', 'x/{sensor}', '-L', 'mqtt://127.0.0.1:1', '--connect-timeout', '1s', ...flags]);

  it.each([
    [['--connections', '0'], '--connections: expected a whole number from 1 to 64'],
    [['--connections', '65'], '--connections'],
    [['--partition', '4/3'], '--partition: expected k/N with 1 ≤ k ≤ N'],
    [['--partition', 'half'], '--partition: expected k/N'],
    [['--start-at', '20:00'], '--start-at: expected epoch seconds/milliseconds or an ISO 8601 instant with a zone'],
    [['--start-at', '2026-01-01T00:00:00'], '--start-at: expected'],
    [['--start-at', '1700000000'], '--start-at: the start instant 2023-11-14T22:13:20.000Z passed'],
    [['-q', '1', '--connections', '2', '--resume', '--log', oneConnectionLog], 'written by a one-connection replay: resume it without several connections'],
    [['-q', '1', '--partition', '1/2', '--resume', '--log', join(tempDir(), 's.csv')], '--resume: does not go with --partition'],
  ])('%j → exit 2', async (flags, message) => {
    const result = await run(...flags);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
