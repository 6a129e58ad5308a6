#!/usr/bin/env node
import { runMain } from './main.js';
import { hideArgvFromProcessTitle, readPasswordFromTty } from './connection-flags.js';

// First thing: a password given with -P must not stay visible in ps/top longer than needed.
hideArgvFromProcessTitle();

// `sensortrace trace -v | head`: a closed pipe ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts++;
  // First signal: stop cleanly (flush and close files, stop children). Second: give up now.
  if (interrupts > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
  controller.abort(signal);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runMain(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  env: process.env,
  interactive: Boolean(process.stderr.isTTY),
  ...(process.stdin.isTTY ? { promptPassword: readPasswordFromTty } : {}),
});
process.exitCode = code;
// Stopped by a signal: the command has closed its files and stopped its children before returning;
// whatever else still runs (a read left behind, a socket closing) must not hold the 2 s promise.
if (controller.signal.aborted) process.exit(code);
// A library handle left open must not keep a finished command alive; unref'd, so it never delays a clean exit.
setTimeout(() => process.exit(code), 3000).unref();
