import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SENT_COLUMNS } from '../../src/core/records.js';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * Inputs that are not files (a FIFO nobody writes to, a folder, /dev/zero) or files no reader
 * should swallow (a 50 MB line, UTF-16): every command that reads one answers exit 2 with the
 * path in under 5 s, without a stack trace. Spawned (the built CLI), because a reader that
 * blocks in open() on a FIFO cannot be interrupted in-process; each run is killed with SIGKILL
 * after 20 s.
 */

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'dist', 'cli', 'bin.js');
const profile = join(root, 'profiles', 'room-day.csv');

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

function runBin(args: string[], cwd: string): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, SENSORTRACE_PASSWORD: '' } }, (error, _stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null | undefined) ?? null : 0;
      resolve({ code: typeof code === 'number' ? code : null, stderr, ms: Date.now() - started });
    });
  });
}

let dir: string;
const noBroker = ['-h', '127.0.0.1', '-p', '1', '--connect-timeout', '1s'];

/** Each reader as the command line that makes it read `input`. */
const commands: Array<[string, (input: string) => string[]]> = [
  ['profile inspect', (f) => ['profile', 'inspect', f]],
  ['replay --validate-only', (f) => ['replay', f, '--validate-only', '-t', 'a/b']],
  ['compare --sent', (f) => ['compare', '--sent', f, '--received', join(root, 'test/fixtures/compare/trace-a.csv')]],
  ['compare --received', (f) => ['compare', '--sent', join(root, 'test/fixtures/compare/sent.csv'), '--received', f]],
  ['process (rules)', (f) => ['process', f, '--validate-only']],
  ['process (lookup table)', (f) => ['process', lookupRules(f), '--validate-only']],
  ['experiment (scenario)', (f) => ['experiment', f, '-o', join(dir, 'never')]],
  ['--password-file', (f) => ['replay', profile, '-t', 'a/b', '--password-file', f, ...noBroker]],
  ['broker --password-file', (f) => ['broker', '-p', '1', '--password-file', f]],
  ['replay --resume', (f) => ['replay', profile, '-t', 'a/b', '--log', f, '--resume', ...noBroker]],
  ['trace --append', (f) => ['trace', '-t', 'a/#', '-o', f, '--append', ...noBroker]],
];

let rulesNo = 0;
function lookupRules(table: string): string {
  const path = join(dir, `lookup-${rulesNo++}.yaml`);
  writeFileSync(path, `name: t\ndata:\n  limits: { file: ${JSON.stringify(table)}, key: sensor }\nrules:\n  - on: a/b\n    when: value > limits.high\n    do: { publish: { topic: x/y, payload: "{value}" } }\n`);
  return path;
}

beforeAll(() => {
  ensureBuilt();
  dir = tempDir('sensortrace-hostile-files-');
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  mkdirSync(join(dir, 'folder'));
  writeFileSync(join(dir, 'long-line.csv'), `time,value\n${'1'.repeat(50_000_000)},1\n`);
  writeFileSync(join(dir, 'utf16.csv'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${SENT_COLUMNS.join(',')}\n1,2\n`, 'utf16le')]));
}, 60_000);

describe.each([
  ['a FIFO nobody writes to', 'fifo', /FIFO \(named pipe\)/],
  ['a folder', 'folder', /is a folder/],
  ['/dev/zero', '/dev/zero', /is a device/],
  ['a 50 MB line', 'long-line.csv', /longer than|larger than|not a (trace|sent log)|header|expected/],
  ['UTF-16', 'utf16.csv', /UTF-16/],
])('%s as input', (_name, file, message) => {
  it.each(commands)('%s: exit 2 naming it, no hang, no stack trace', async (_command, args) => {
    const input = file.startsWith('/') ? file : join(dir, file);
    const run = await runBin(args(input), dir);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(file.startsWith('/') ? file : file.replace(/^.*\//, ''));
    // The message for a 50 MB line may be about its first line (a header that is no sent log): only never a hang or a crash.
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.ms).toBeLessThan(15_000);
  }, 30_000);
});
