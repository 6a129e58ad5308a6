import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { ensureBuilt } from '../helpers/build.js';
import { processesMentioning } from '../helpers/processes.js';

/** The embedded broker runs as a child (`node dist/cli/bin.js broker`): build once. */
beforeAll(() => ensureBuilt(), 120_000);

function setup(rows = 40): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-experiment-cli-');
  const profile = join(dir, 'profile.csv');
  writeFileSync(profile, ['time,value', ...Array.from({ length: rows }, (_, i) => `${(i * 0.1).toFixed(1)},${20 + i / 10}`)].join('\n') + '\n');
  return { dir, profile };
}

describe('sensortrace experiment', () => {
  it('runs from flags alone and prints the headline table and where the report is', async () => {
    const { dir, profile } = setup();
    const out = join(dir, 'exp1');
    const result = await runCli(['experiment', '--profile', profile, '--time-format', 'relative-s', '--rate', '40', '--qos', '1', '--restart-at', '300ms', '--down-for', '400ms', '--restart-kind', 'graceful', '--broker', 'embedded', '--drain', '5s', '-o', out]);
    expect(result.stderr).toMatch(/run 1 01-embedded-graceful-at-0-3s-for-0-4s-state-kept-q1: sent 40, delivered 40, lost 0/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^run\s+broker\s+restart\s+QoS\s+sent\s+delivered\s+lost/m);
    expect(result.stdout).toContain(`report: ${join(out, 'report.html')}`);
    for (const file of ['report.json', 'report.md', 'report.html']) expect(existsSync(join(out, file))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { runs: Array<{ qos: number; lost: number; broker: string }> };
    expect(report.runs).toEqual([expect.objectContaining({ qos: 1, lost: 0, broker: 'embedded' })]);
    const runDir = join(out, '01-embedded-graceful-at-0-3s-for-0-4s-state-kept-q1');
    for (const file of ['sent.csv', 'trace.csv', 'sent.events.csv', 'trace.events.csv', 'broker.events.csv']) expect(existsSync(join(runDir, file))).toBe(true);
  });

  it('stops the broker and keeps what was recorded on Ctrl+C', async () => {
    const { dir, profile } = setup(400);
    const out = join(dir, 'interrupted');
    const controller = new AbortController();
    const run = runCli(['experiment', '--profile', profile, '--time-format', 'relative-s', '--rate', '40', '--qos', '0,1', '-o', out], { signal: controller.signal });
    // Wait for the first rows to be recorded, then interrupt (10 s of replay would follow).
    const sent = join(out, '01-embedded-baseline-q0', 'sent.csv');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(existsSync(sent) && readFileSync(sent, 'utf8').split('\n').length > 5)) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('interrupted');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { interrupted: boolean; runs: Array<{ sent: number }> };
    expect(report.interrupted).toBe(true);
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]!.sent).toBeGreaterThan(3);
    expect(report.runs[0]!.sent).toBeLessThan(400);
    expect(processesMentioning(out)).toEqual([]);
  });

  it('stops the broker when a run fails on bad input, and exits 2 with file:line', async () => {
    const { dir, profile } = setup(5);
    writeFileSync(profile, 'time,value\n0,20\n0.1,warm\n');
    const out = join(dir, 'bad-input');
    const result = await runCli(['experiment', '--profile', profile, '--time-format', 'relative-s', '--qos', '1', '-o', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${profile}:3`);
    expect(processesMentioning(out)).toEqual([]);
  });

  it.each([
    [['experiment', '-o', '/tmp/x'], 'give a scenario file or --profile'],
    [['experiment', '--profile', 'p.csv', '--stop-cmd', 'true', '-o', '/tmp/x'], 'go with --broker external'],
    [['experiment', '--profile', 'p.csv', '--qos', '0,3', '-o', '/tmp/x'], 'qos[1]: expected 0, 1 or 2'],
    [['experiment', '--profile', 'p.csv', '-V', '5', '-o', '/tmp/x'], 'speaks MQTT 3.1.1 only'],
    [['experiment', '--profile', 'p.csv', '--restart-at', 'soon', '-o', '/tmp/x'], 'restarts[0].at: expected a duration'],
    [['experiment', '--profile', 'p.csv', '--recorder-back', 'soon', '-o', '/tmp/x'], 'recorder.at: expected a duration'],
    [['experiment', '--profile', 'p.csv', '--recorder-back', 'after-replayer+later', '-o', '/tmp/x'], 'recorder.gap: expected a duration'],
    [['experiment', '--profile', 'p.csv', '--replayer-back', 'after-recorder', '--recorder-back', 'after-replayer', '-o', '/tmp/x'], 'each wait for the other'],
    [['experiment', '--profile', 'p.csv', '--broker', 'external', '--broker-url', 'mqtt://localhost:1', '--restart-at', '1s', '-o', '/tmp/x'], 'needs "stop" and "start"'],
  ])('rejects bad usage with exit 2: %j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('names the scenario file in errors about it', async () => {
    const { dir } = setup(1);
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ profile: 'x.csv', restarts: [{ at: '1s', kind: 'reboot' }] }, null, 2));
    const result = await runCli(['experiment', file, '-o', join(dir, 'o')]);
    expect(result.code).toBe(2);
    // Line 6 of the pretty-printed file: "kind": "reboot".
    expect(result.stderr).toContain(`${file}:6: restarts[0].kind: expected one of: graceful, crash (found "reboot")`);
  });

  it('gives no file line for a value that came from a flag', async () => {
    const { dir } = setup(1);
    const file = join(dir, 'flagged.json');
    writeFileSync(file, JSON.stringify({ profile: 'x.csv', qos: 1 }, null, 2));
    const result = await runCli(['experiment', file, '--qos', '0,7', '-o', join(dir, 'o')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: qos[1]: expected 0, 1 or 2`);
  });
});
