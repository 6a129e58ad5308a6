import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';

const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'test/fixtures/compare');

/** The built CLI in a process of its own (the code cache is per process), its cache folder in `cacheHome`. */
function compareInProcess(base: string, cacheHome: string): Promise<{ code: number; stderr: string }> {
  const args = [join(root, 'dist/cli/bin.js'), 'compare', '--sent', join(fixtures, 'sent.csv'), '--received', join(fixtures, 'trace-a.csv'), '--utc', '-o', base, '--format', 'svg,png,vg'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, XDG_CACHE_HOME: cacheHome }, timeout: 60_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

function outputs(base: string): string[] {
  return ['svg', 'png', 'vg.json'].map((ext) => readFileSync(`${base}.${ext}`).toString('base64'));
}

function cacheFiles(folder: string): Array<{ name: string; bytes: string; mtimeMs: number }> {
  return readdirSync(folder)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(folder, name)).toString('base64'), mtimeMs: statSync(join(folder, name)).mtimeMs }));
}

describe('code cache of the chart bundles', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('is written by the first run, used as it is by the next, rewritten when damaged; the pictures are the same every time', async () => {
    const dir = tempDir();
    const cacheHome = join(dir, 'cache');
    const folder = join(cacheHome, 'sensortrace');
    expect(await compareInProcess(join(dir, 'first'), cacheHome)).toEqual({ code: 0, stderr: '' });
    const written = cacheFiles(folder);
    expect(written.map((f) => f.name.endsWith('.v8-code-cache'))).toEqual([true, true]); // vega and vega-lite
    expect(statSync(folder).mode & 0o777).toBe(0o700);

    expect(await compareInProcess(join(dir, 'second'), cacheHome)).toEqual({ code: 0, stderr: '' });
    expect(outputs(join(dir, 'second'))).toEqual(outputs(join(dir, 'first')));
    expect(cacheFiles(folder)).toEqual(written); // accepted by V8: not written again

    for (const { name } of written) writeFileSync(join(folder, name), 'not a code cache');
    expect(await compareInProcess(join(dir, 'third'), cacheHome)).toEqual({ code: 0, stderr: '' });
    expect(outputs(join(dir, 'third'))).toEqual(outputs(join(dir, 'first')));
    expect(cacheFiles(folder).map((f) => f.bytes.length > 1000)).toEqual([true, true]); // rejected, then rewritten
  }, 180_000);

  it('a cache folder that cannot be made changes nothing but the speed', async () => {
    const dir = tempDir();
    const notAFolder = join(dir, 'file');
    writeFileSync(notAFolder, 'x');
    expect(await compareInProcess(join(dir, 'out'), notAFolder)).toEqual({ code: 0, stderr: '' });
    expect(statSync(`${join(dir, 'out')}.png`).size).toBeGreaterThan(1000);
    expect(readdirSync(dir).sort()).toEqual(['file', 'out.png', 'out.svg', 'out.vg.json']);
  }, 120_000);
});
