import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type RunningEmbeddedBroker } from '../../src/io/broker/embedded-broker.js';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/*
 * Every command that writes, against every kind of unwritable output: exit 2 with the path
 * named, quickly. The bound is generous for a loaded machine; the bug it guards against
 * (a recursive mkdir under /proc that never returns) hangs for ever.
 */
const BOUND_MS = 5000;
const root = join(import.meta.dirname, '../..');
const profile = join(root, 'test/fixtures/profiles/single.csv');
const sent = join(root, 'test/fixtures/compare/sent.csv');
const received = join(root, 'test/fixtures/compare/trace-a.csv');

let broker: RunningEmbeddedBroker;
let dir: string;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
  dir = tempDir('sensortrace-bad-outputs-');
  writeFileSync(join(dir, 'file.txt'), 'not a folder\n');
  writeFileSync(join(dir, 'isdir.file'), 'a file where experiment wants a folder\n');
  // Existing folders where each command wants a file.
  for (const name of ['isdir.csv', 'isdir.json']) mkdirSync(join(dir, name));
});
afterAll(async () => {
  await broker.close();
});

/** A bad output, worded for a file (`.csv`) or a compare base (`.json`); `shown` must appear in stderr. */
interface BadPath {
  name: string;
  file: (ext: 'csv' | 'json') => string;
  folder: () => string;
  shown: string;
}

const badPaths: BadPath[] = [
  { name: 'missing folder under /proc', file: (ext) => `/proc/none/t.${ext}`, folder: () => '/proc/none/exp', shown: '/proc/none' },
  { name: 'an existing folder', file: (ext) => join(dir, `isdir.${ext}`), folder: () => join(dir, 'isdir.file'), shown: 'isdir' },
  { name: 'a file used as a folder', file: (ext) => join(dir, `file.txt/x.${ext}`), folder: () => join(dir, 'file.txt/exp'), shown: 'file.txt' },
  { name: 'a read-only file system (/sys)', file: (ext) => `/sys/t.${ext}`, folder: () => '/sys/exp', shown: '/sys/' },
  { name: '/dev/full', file: () => '/dev/full', folder: () => '/dev/full', shown: '/dev/full' },
];

function rulesWithCsv(path: string): string {
  const file = join(dir, `rules-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `rules:\n  - name: copy\n    on: a/+\n    do: { csv: { file: ${JSON.stringify(path)}, columns: { value: value } } }\n`);
  return file;
}

const commands: Array<[string, (bad: BadPath) => string[]]> = [
  ['replay --log', (bad) => ['replay', profile, '-p', String(broker.port), '-t', 'bad/out', '--log', bad.file('csv'), '--speed', '1000', '--quiet']],
  ['trace -o', (bad) => ['trace', '-p', String(broker.port), '-t', 'a/#', '-o', bad.file('csv'), '--quiet']],
  ['compare -o', (bad) => ['compare', '--sent', sent, '--received', received, '-o', bad.file('json'), '--format', 'json']],
  ['experiment -o', (bad) => ['experiment', '--profile', profile, '--broker', 'embedded', '--qos', '0', '-o', bad.folder()]],
  ['process --log', (bad) => ['process', rulesWithCsv(join(dir, 'ok.csv')), '-p', String(broker.port), '--log', bad.file('csv'), '--quiet']],
  ['process rules csv', (bad) => ['process', rulesWithCsv(bad.file('csv')), '-p', String(broker.port), '--quiet']],
  ['process rules csv --validate-only', (bad) => ['process', rulesWithCsv(bad.file('csv')), '--validate-only']],
  ['profile generate -o', (bad) => ['profile', 'generate', '--duration', '1m', '--rate', '1', '-o', bad.file('csv')]],
];

/*
 * Left out: compare's -o is a base name (`-o /dev/full` writes /dev/full.json, a new file), and
 * --validate-only writes nothing, so a full disk is only found when the file is written.
 */
const notApplicable = new Set(['compare -o × /dev/full', 'process rules csv --validate-only × /dev/full']);
const table = commands.flatMap(([command, args]) => badPaths.filter((bad) => !notApplicable.has(`${command} × ${bad.name}`)).map((bad) => [command, bad.name, args, bad] as const));

describe('unwritable outputs: exit 2, the path named, at once', () => {
  it.each(table)('%s to %s', async (_command, _name, args, bad) => {
    const controller = new AbortController();
    // A hung command (the bug this guards against) is stopped so the test can fail instead of hanging.
    const guard = setTimeout(() => controller.abort(), BOUND_MS * 2);
    const started = performance.now();
    const run = await runCli(args(bad), { signal: controller.signal });
    const elapsed = performance.now() - started;
    clearTimeout(guard);
    expect(run.stderr).toContain(bad.shown);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(2);
    expect(elapsed).toBeLessThan(BOUND_MS);
  });
});

describe('an output that is one of the inputs is refused, the input untouched', () => {
  const cases: Array<[string, (d: string) => { args: string[]; input: string; output: string }]> = [
    ['replay p.csv --log p.csv', (d) => ({ args: ['replay', join(d, 'p.csv'), '-p', String(broker.port), '-t', 'x', '--log', join(d, 'p.csv')], input: join(d, 'p.csv'), output: join(d, 'p.csv') })],
    ['replay p.csv --log ./sub/../p.csv', (d) => ({ args: ['replay', join(d, 'p.csv'), '-p', String(broker.port), '-t', 'x', '--log', join(d, 'sub', '..', 'p.csv')], input: join(d, 'p.csv'), output: join(d, 'sub', '..', 'p.csv') })],
    ['process r.yaml --log r.yaml', (d) => ({ args: ['process', join(d, 'r.yaml'), '-p', String(broker.port), '--log', join(d, 'r.yaml')], input: join(d, 'r.yaml'), output: join(d, 'r.yaml') })],
    ['process r.yaml --log r.yaml --validate-only', (d) => ({ args: ['process', join(d, 'r.yaml'), '--validate-only', '--log', join(d, 'r.yaml')], input: join(d, 'r.yaml'), output: join(d, 'r.yaml') })],
    ['compare --received t.json -o t --format json', (d) => ({ args: ['compare', '--sent', sent, '--received', join(d, 't.json'), '-o', join(d, 't'), '--format', 'json'], input: join(d, 't.json'), output: join(d, 't.json') })],
    ['compare --sent s.csv -o s.dat --format gp', (d) => ({ args: ['compare', '--sent', join(d, 's.dat'), '--received', received, '-o', join(d, 's'), '--format', 'gp'], input: join(d, 's.dat'), output: join(d, 's.dat') })],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const d = tempDir();
    mkdirSync(join(d, 'sub'));
    copyFileSync(profile, join(d, 'p.csv'));
    writeFileSync(join(d, 'r.yaml'), 'rules:\n  - name: r\n    on: a/+\n    do: { publish: { topic: b, payload: "{value}" } }\n');
    copyFileSync(received, join(d, 't.json'));
    copyFileSync(sent, join(d, 's.dat'));
    const { args, input, output } = make(d);
    const before = readFileSync(input);
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${output}: the`);
    expect(run.stderr).toContain(`would overwrite the`);
    expect(run.stderr).toContain(input);
    expect(readFileSync(input)).toEqual(before);
  });
});

describe('the original hang, as a user meets it', () => {
  beforeAll(() => ensureBuilt());

  it('trace -o /proc/none/t.csv exits 2 instead of spinning', async () => {
    const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'trace', '-p', String(broker.port), '-t', 'a/#', '-o', '/proc/none/t.csv'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), BOUND_MS * 2);
    const started = performance.now();
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(kill);
    expect(signal).toBeNull();
    expect(code).toBe(2);
    expect(stderr).toContain('/proc/none/t.csv');
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });
});

afterAll(() => {
  // Commands given /dev/full may name an events file beside it; none should be left in /dev.
  rmSync('/dev/full.events.csv', { force: true });
});
