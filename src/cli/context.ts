import type { Writable } from 'node:stream';

/**
 * What a command gets from the outside world. Tests pass their own streams and an
 * AbortController to run commands in-process; bin.ts passes the real ones and aborts on
 * SIGINT/SIGTERM so every command stops the same way: flush, close, exit 0.
 */
export interface CliContext {
  stdout: Writable;
  stderr: Writable;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress lines are drawn only there). */
  interactive: boolean;
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
