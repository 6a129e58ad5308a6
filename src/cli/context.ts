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
  /**
   * Asks for a password without echoing it (--password-prompt); absent when stdin is not a
   * terminal, which makes --password-prompt a usage error. bin.ts passes the terminal's, tests
   * a scripted one. Synchronous: the password is needed while flags become connection options.
   */
  promptPassword?: (prompt: string) => string;
}

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}
