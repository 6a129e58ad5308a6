import { argvCarriesSecret } from '../../src/cli/connection-flags.js';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/io/broker/free-port.js';
import { MosquittoBroker } from '../../src/io/broker/mosquitto-broker.js';
import { mosquittoAvailable, tempDir } from '../helpers/brokers.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { ensureBuilt } from '../helpers/build.js';

const SECRET = 'Zq9-hunter2-secret';
const root = new URL('../..', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The secret must not appear in any output stream nor in any file the command wrote. */
function expectNoSecret(run: CliRun, outDir: string): void {
  expect(run.stdout).not.toContain(SECRET);
  expect(run.stderr).not.toContain(SECRET);
  for (const file of filesUnder(outDir)) expect(readFileSync(file).includes(SECRET), file).toBe(false);
  expect(process.title).not.toContain(SECRET);
}

function writeProfile(path: string, rows: number): void {
  writeFileSync(path, ['time,value', ...Array.from({ length: rows }, (_, i) => `${1_700_000_000 + i},${20 + i}`)].join('\n') + '\n');
}

describe('exit codes end to end: unreachable broker -> 3', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sensortrace-exit-');
    writeProfile(join(dir, 'p.csv'), 3);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['replay', (port: number, d: string) => ['replay', join(d, 'p.csv'), '-t', 's/{sensor}', '--log', join(d, 'sent.csv')]],
    ['trace', (_port: number, d: string) => ['trace', '-t', 's/#', '-o', join(d, 'trace.csv')]],
    ['process', () => ['process', join(root, 'rules/sin.yaml')]],
  ] as const)('%s exits 3 with a clear message, nothing reported as sent', async (_name, args) => {
    const port = await freePort();
    const run = await runCli([...args(port, dir), '-h', '127.0.0.1', '-p', String(port), '--connect-timeout', '600ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/broker unreachable/);
    expect(run.stdout).not.toMatch(/\b[1-9]\d* (sent|published)/);
  });
});

describe.runIf(mosquittoAvailable)('credentials against a Mosquitto password_file', () => {
  let dir: string;
  let broker: MosquittoBroker;
  let url: string;

  beforeAll(async () => {
    dir = tempDir('sensortrace-creds-');
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, '');
    execFileSync('mosquitto_passwd', ['-b', passwords, 'lab', SECRET]);
    broker = new MosquittoBroker({ dir: join(dir, 'broker'), persistence: false, allowAnonymous: false, extraConfig: [`password_file ${passwords}`] });
    await broker.start();
    url = `mqtt://127.0.0.1:${broker.port}`;
    writeProfile(join(dir, 'p.csv'), 5);
  });
  afterAll(async () => {
    await broker?.stop('crash');
    rmSync(dir, { recursive: true, force: true });
  });

  const refusedArgs = {
    replay: (d: string) => ['replay', join(d, 'p.csv'), '-t', 's/{sensor}'],
    trace: () => ['trace', '-t', 's/#'],
    process: () => ['process', join(root, 'rules/sin.yaml')],
  } as const;

  it.each(Object.keys(refusedArgs) as Array<keyof typeof refusedArgs>)('%s: refused credentials exit 4 promptly, no reconnect loop', async (name) => {
    const started = Date.now();
    const run = await runCli([...refusedArgs[name](dir), '-L', url, '-u', 'lab', '-P', 'wrong-password', '--connect-timeout', '20s']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/refused the connection/);
    // Far below the 20 s connect timeout: the refusal ended it, not the timer.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(run.stderr).not.toContain('wrong-password');
  });

  it('replay, trace, process and compare never echo the password (URL, -P, env, file)', async () => {
    const out = join(dir, 'out');
    mkdirSync(out, { recursive: true });
    const passwordFile = join(dir, 'secret.txt');
    writeFileSync(passwordFile, `${SECRET}\n`);
    const tracePath = join(out, 'trace.csv');
    // The tracer authenticates through the environment, the replayer through a URL with userinfo.
    const tracing = runCli(['trace', '-t', 's/#', '-q', '1', '-o', tracePath, '-C', '5', '-W', '20', '-L', url, '-u', 'lab', '-v'], { env: { SENSORTRACE_PASSWORD: SECRET } });
    // Wait for the tracer's subscription (the events file shows it) instead of sleeping.
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const events = join(out, 'trace.events.csv');
        let text = '';
        try {
          text = readFileSync(events, 'utf8');
        } catch {
          /* not yet */
        }
        if (/,subscribe,/.test(text)) resolve();
        else setTimeout(tick, 20);
      };
      tick();
    });
    const replayRun = await runCli(['replay', join(dir, 'p.csv'), '-t', 's/{sensor}', '-q', '1', '--rate', '20', '--log', join(out, 'sent.csv'), '-L', `mqtt://lab:${SECRET}@127.0.0.1:${broker.port}`]);
    expect(replayRun.code).toBe(0);
    const traceRun = await tracing;
    expect(traceRun.code).toBe(0);
    const processRun = await runCli(['process', join(root, 'rules/sin.yaml'), '-L', url, '-u', 'lab', '--password-file', passwordFile, '-W', '300ms', '--log', join(out, 'process.csv')]);
    expect(processRun.code).toBe(0);
    const compareRun = await runCli(['compare', join(out, 'sent.csv'), tracePath, '-o', join(out, 'compare'), '--format', 'json']);
    for (const run of [replayRun, traceRun, processRun, compareRun]) expectNoSecret(run, out);
    // The tracer really recorded what the replayer sent: the run above authenticated.
    expect(readFileSync(tracePath, 'utf8').trim().split('\n').length).toBe(6);
  });

  it('experiment against an external broker URL with credentials: no secret in its output or report', async () => {
    const out = join(dir, 'experiment');
    const run = await runCli([
      'experiment', '--profile', join(dir, 'p.csv'), '--rate', '50', '-q', '1', '--broker', 'external',
      '--broker-url', `mqtt://lab:${SECRET}@127.0.0.1:${broker.port}`, '--drain', '2s', '--quiet-after', '500ms', '--no-progress', '-o', out,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/sent 5, delivered 5/);
    expectNoSecret(run, out);
  });

  it('a bad --url with credentials is echoed redacted', async () => {
    const run = await runCli(['trace', '-t', 's/#', '-L', `http://lab:${SECRET}@127.0.0.1:1`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('lab:***@');
    expect(run.stderr).not.toContain(SECRET);
  });

  it('--password-prompt reads the terminal, and is a usage error without one', async () => {
    const noTty = await runCli(['trace', '-t', 's/#', '-L', url, '-u', 'lab', '--password-prompt', '-C', '1']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/--password-prompt needs a terminal/);

    const prompts: string[] = [];
    const promptPassword = (prompt: string): string => (prompts.push(prompt), SECRET);
    const out = tempDir('sensortrace-prompt-');
    const run = await runCli(['replay', join(dir, 'p.csv'), '-t', 's/{sensor}', '-q', '1', '--rate', '50', '-L', url, '-u', 'lab', '--password-prompt', '--log', join(out, 'sent.csv')], { promptPassword });
    expect(run.code).toBe(0);
    expect(prompts).toEqual(['password for lab@broker: ']);
    expectNoSecret(run, out);
  });

  it('refuses two password sources at once', async () => {
    const run = await runCli(['trace', '-t', 's/#', '-L', url, '-u', 'lab', '-P', 'x', '--password-file', '/nonexistent']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/-P and --password-file: give the password one way only/);
  });
});

describe('process title', () => {
  it('a running command does not show a -P password in /proc/PID/cmdline or its title', async () => {
    ensureBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'trace', '-t', 's/#', '-h', '127.0.0.1', '-p', String(port), '-u', 'lab', '-P', SECRET, '--connect-timeout', '5s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The title is set while options are read; poll until it changed (bounded by the 5 s connect timeout).
      let cmdline = '';
      for (let i = 0; i < 200; i++) {
        try {
          cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
        } catch {
          break;
        }
        if (cmdline.startsWith('sensortrace')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(cmdline.startsWith('sensortrace')).toBe(true);
      expect(cmdline).not.toContain(SECRET);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  });
});

describe('which command lines are hidden', () => {
  it.each([
    [['trace', '-t', 'x', '-P', 'pw'], true],
    [['trace', '-t', 'x', '--password', 'pw'], true],
    [['trace', '-t', 'x', '--password=pw'], true],
    [['trace', '-t', 'x', '-Ppw'], true],
    [['trace', '-L', 'mqtt://lab:pw@127.0.0.1:1883', '-t', 'x'], true],
    [['trace', '-L', 'mqtt://127.0.0.1:1883', '-t', 'x'], false],
    [['broker', '-p', '1883', '--password-file', 'users.txt'], false],
    [['trace', '-t', 'x', '--password-prompt'], false],
  ])('%j carries a secret: %s', (args, expected) => {
    expect(argvCarriesSecret(args)).toBe(expected);
  });
});
