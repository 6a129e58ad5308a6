import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('sensortrace main', () => {
  it('prints help with the exit-status scheme and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit status: 0 done, 1 unexpected failure, 2 bad input or usage, 3 broker unreachable, 4 broker refused the credentials');
  });

  it('exits 2 on an unknown command', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command/);
  });
});

describe('command loading', () => {
  it('lists every command in the top-level help without loading them', async () => {
    const run = await runCli(['--help']);
    for (const name of ['replay', 'profile', 'trace', 'compare', 'broker', 'experiment', 'process']) expect(run.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('`help COMMAND` and `COMMAND --help` show the command\'s own options', async () => {
    for (const args of [['help', 'trace'], ['trace', '--help']]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('--no-retained');
    }
  });
});
