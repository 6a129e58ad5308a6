import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGenerateOptions, MAX_GENERATED_READINGS, type GenerateProfileOptions } from '../../src/core/profile/generate.js';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '../..');

/** Resolves once `file` holds at least `bytes` (the generator is running); checked every 20 ms, bounded. */
async function fileGrows(file: string, bytes: number, boundMs = 20_000): Promise<void> {
  const until = performance.now() + boundMs;
  while (!(existsSync(file) && statSync(file).size >= bytes)) {
    if (performance.now() > until) throw new Error(`${file} did not reach ${bytes} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every line ends with a newline and has the header's number of cells. */
function expectWholeLines(text: string): number {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.slice(0, -1).split('\n');
  expect(lines[0]).toBe('time,value');
  for (const line of lines.slice(1)) expect(line).toMatch(/^\d+(\.\d+)?,-?\d+\.\d\d$/);
  return lines.length - 1;
}

describe('profile generate: a size limit checked up front', () => {
  it.each([
    [['--rate', '1e9', '--duration', '1h'], /--rate: asks for 3\.60e12 readings, over the maximum of 100000000 per file: lower --rate or --duration/],
    [['--interval', '1ms', '--duration', '30h'], /--interval: asks for 108000000 readings, .*raise --interval or lower --duration/],
    [['--rate', '1000', '--duration', '1h', '--sensors', '100'], /--rate: asks for 360000000 readings/],
  ])('%j: exit 2 at once, nothing written', async (flags, message) => {
    const out = join(tempDir(), 'g.csv');
    const started = performance.now();
    const run = await runCli(['profile', 'generate', ...flags, '-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('the maximum itself is allowed, one more reading is not', () => {
    const options: GenerateProfileOptions = { pattern: 'noise', sensors: ['a', 'b'], rateHz: 1, durationMs: (MAX_GENERATED_READINGS / 2) * 1000, startMs: 0, shape: 'long', timeFormat: 'epoch-s', delimiter: ',' };
    expect(() => checkGenerateOptions(options)).not.toThrow();
    expect(() => checkGenerateOptions({ ...options, durationMs: options.durationMs + 1000 })).toThrow(/asks for 100000002 readings/);
  });

  it('--sensors 1e9 is a mistyped count, not a sensor named "1e9"', async () => {
    const run = await runCli(['profile', 'generate', '--sensors', '1e9', '--duration', '1m']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--sensors: expected a whole number from 1 to 10000 or a list of names (found "1e9")');
  });
});

describe('profile generate stops on a signal, the file whole', () => {
  it('in-process: abort stops it within 2 s, every line whole, the summary says so', async () => {
    const out = join(tempDir(), 'big.csv');
    const controller = new AbortController();
    const run = runCli(['profile', 'generate', '--rate', '100000', '--duration', '1000s', '--start', '1700000000', '-o', out], { signal: controller.signal });
    await fileGrows(out, 2 * 1024 * 1024);
    const stopAt = performance.now();
    controller.abort();
    const result = await run;
    expect(performance.now() - stopAt).toBeLessThan(2000);
    expect(result.code).toBe(0);
    const rows = expectWholeLines(readFileSync(out, 'utf8'));
    expect(rows).toBeLessThan(100_000_000);
    expect(result.stderr).toBe(`wrote ${rows} readings (${rows} time steps) to ${out} (stopped: the file ends early, every line whole)\n`);
  });

  describe('as a user meets it', () => {
    beforeAll(() => ensureBuilt());

    it('SIGINT stops the command within 2 s', async () => {
      const out = join(tempDir(), 'big.csv');
      const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'profile', 'generate', '--rate', '100000', '--duration', '1000s', '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
      const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        await fileGrows(out, 2 * 1024 * 1024);
        const stopAt = performance.now();
        child.kill('SIGINT');
        const [code, signal] = await exited;
        expect(performance.now() - stopAt).toBeLessThan(2000);
        expect(signal).toBeNull();
        expect(code).toBe(0);
        expectWholeLines(readFileSync(out, 'utf8'));
      } finally {
        clearTimeout(kill);
        child.kill('SIGKILL');
      }
    });
  });
});
