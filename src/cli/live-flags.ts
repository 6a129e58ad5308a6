import type { Command } from 'commander';
import type { WebViewOptions } from '../app/live/web-view.js';
import type { LiveViewOptions } from '../app/watch/live-view.js';
import { usageError } from '../core/errors.js';
import { parseInteger } from './connection-flags.js';
import { writeLine, type CliContext } from './context.js';

/** The terminal view on stdout: redrawn in place on a terminal, plain lines otherwise. */
export function terminalViewFor(context: CliContext): NonNullable<LiveViewOptions['terminal']> {
  const stdout = context.stdout as NodeJS.WriteStream;
  const tty = Boolean(stdout.isTTY);
  return { stream: context.stdout, tty, ...(tty ? { size: () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 }) } : {}) };
}

/** The live-view flags: --live (trace only: the terminal view on stdout), --web, --web-host. */
export interface LiveFlags {
  live?: boolean;
  web?: number;
  webHost: string;
}

export function addWebFlags(command: Command): Command {
  return command
    .option('--web <port>', 'serve a live page at http://127.0.0.1:PORT/ (0: any free port, printed)', parseInteger('--web', 0, 65535))
    .option('--web-host <host>', 'address the live page listens on (another than 127.0.0.1 shows your data to the network)', '127.0.0.1');
}

export function addLiveFlags(command: Command): Command {
  return addWebFlags(command.option('--live', 'show the live view on stdout while recording (needs -o; not with -F/-v)'));
}

/** The live view asked for, if any; `stdoutTaken` when messages are printed on stdout. */
export function liveViewFrom(flags: LiveFlags, context: CliContext, stdoutTaken: boolean): LiveViewOptions | undefined {
  if (!flags.live && flags.web === undefined) return undefined;
  if (flags.live && stdoutTaken) throw usageError('--live draws on stdout: give an output file (-o FILE) and leave out -F/-v');
  const view: LiveViewOptions = flags.live ? { terminal: terminalViewFor(context) } : {};
  if (flags.web !== undefined) {
    view.web = { port: flags.web, host: flags.webHost };
    // stderr, before the terminal view starts drawing.
    view.onWebListening = (url) => writeLine(context.stderr, `live page: ${url}`);
  }
  return view;
}

/** replay's and experiment's live page, if --web was given: its address goes to stderr once it listens. */
export function webViewFrom(flags: Omit<LiveFlags, 'live'>, context: CliContext): WebViewOptions | undefined {
  if (flags.web === undefined) return undefined;
  return { port: flags.web, host: flags.webHost, onListening: (url) => writeLine(context.stderr, `live page: ${url}`) };
}
