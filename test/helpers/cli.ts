import { PassThrough } from 'node:stream';
import { runMain } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** A scripted terminal for --password-prompt; without it the CLI runs as without a terminal. */
  promptPassword?: (prompt: string) => string;
}

/** Runs the CLI in-process (no spawn), capturing its output; abort the signal to simulate Ctrl+C. */
export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runMain(args, {
    stdout,
    stderr,
    signal: options.signal ?? new AbortController().signal,
    env: options.env ?? {},
    interactive: false,
    ...(options.promptPassword ? { promptPassword: options.promptPassword } : {}),
  });
  return { code, stdout: out, stderr: err };
}
