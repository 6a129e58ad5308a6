import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { ensureBuilt } from '../helpers/build.js';
import { processesMentioning } from '../helpers/processes.js';

const root = new URL('../..', import.meta.url).pathname;
beforeAll(() => ensureBuilt(), 120_000);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('sensortrace experiment under a real SIGINT', () => {
  it('exits 0, stops the broker child it started and writes the report of what was recorded', async () => {
    const dir = tempDir('sensortrace-experiment-signal-');
    dirs.push(dir);
    const profile = join(dir, 'profile.csv');
    writeFileSync(profile, ['time,value', ...Array.from({ length: 600 }, (_, i) => `${i},${20 + Math.sin(i / 30)}`)].join('\n') + '\n');
    const out = join(dir, 'out');
    const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'experiment', '--profile', profile, '--time-format', 'relative-s', '--rate', '50', '--qos', '1', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const sent = join(out, '01-embedded-baseline-q1', 'sent.csv');
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !(existsSync(sent) && readFileSync(sent, 'utf8').split('\n').length > 10)) await new Promise((r) => setTimeout(r, 50));
      // The broker child must be running now, so the check after exit means something.
      expect(processesMentioning(out).length).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('interrupted');
    expect(stdout).toContain('report:');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { interrupted: boolean; runs: Array<{ sent: number; lost: number }> };
    expect(report.interrupted).toBe(true);
    expect(report.runs[0]!.sent).toBeGreaterThan(8);
    expect(processesMentioning(out)).toEqual([]);
  }, 60_000);
});
