import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const shipped = (name: string) => join(import.meta.dirname, '../../profiles', name);

describe('sensortrace profile', () => {
  it('generate writes a profile that inspect reads back', async () => {
    const out = join(tempDir(), 'gen.csv');
    const gen = await runCli(['profile', 'generate', '-o', out, '--sensors', 'hdd0,hdd1', '--shape', 'long', '--rate', '2', '--duration', '10s', '--time-format', 'iso', '--start', '2024-01-01T00:00:00Z']);
    expect(gen.code).toBe(0);
    expect(gen.stderr).toMatch(/wrote 40 readings \(20 time steps\)/);
    const inspect = await runCli(['profile', 'inspect', out]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('shape:       time,sensor,value');
    expect(inspect.stdout).toContain('sensors:     2 (hdd0: 20, hdd1: 20)');
    expect(inspect.stdout).toContain('from:        2024-01-01T00:00:00.000Z');
    expect(inspect.stdout).toContain('to:          2024-01-01T00:00:09.500Z');
  });

  it('generate writes to standard output without -o', async () => {
    const run = await runCli(['profile', 'generate', '--duration', '3s', '--rate', '1', '--delimiter', 'space', '--pattern', 'noise', '--noise', '0', '--start', '1266193804', '--decimals', '0']);
    expect(run).toMatchObject({ code: 0, stdout: '1266193804 20\n1266193805 20\n1266193806 20\n' });
  });

  it('generate rejects bad options with exit 2', async () => {
    const run = await runCli(['profile', 'generate', '--sensors', '2', '--shape', 'single']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--shape: single holds one sensor/);
  });

  it.each([
    [['--decimal-comma'], '--decimal-comma: needs a delimiter other than ","'],
    [['--sensors', 'a b,c', '--shape', 'long'], '--sensors: sensor names cannot be empty'],
  ])('generate %j: the library names the option, the CLI shows the flag', async (flags, message) => {
    const run = await runCli(['profile', 'generate', '--duration', '3s', ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`sensortrace: ${message}`);
  });

  it.each([
    ['room-day.csv', 'time,value', 288],
    ['servers-long.csv', 'time,sensor,value', 180],
    ['hdd-wide.csv', 'one column per sensor', 240],
    ['tutorial.txt', 'time,value (no header)', 12],
    ['lab-semicolon.csv', 'time,value', 30],
  ])('the shipped %s is valid (%s, %d readings) and listed in profiles/README.md', async (name, shape, rows) => {
    const run = await runCli(['profile', 'inspect', shipped(name)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`shape:       ${shape}`);
    expect(run.stdout).toContain(`rows:        ${rows} readings`);
    expect(readFileSync(shipped('README.md'), 'utf8')).toContain(`\`${name}\``);
  });

  it('inspect exits 2 on a missing file', async () => {
    const run = await runCli(['profile', 'inspect', '/nonexistent.csv']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file/);
  });
});
