import type { Command } from 'commander';
import type { LiveViewOptions } from '../app/watch/live-view.js';
import { usageError } from '../core/errors.js';
import type { CliContext } from './context.js';

/** The terminal view on stdout: redrawn in place on a terminal, plain lines otherwise. */
export function terminalViewFor(context: CliContext): NonNullable<LiveViewOptions['terminal']> {
  const stdout = context.stdout as NodeJS.WriteStream;
  const tty = Boolean(stdout.isTTY);
  return { stream: context.stdout, tty, ...(tty ? { size: () => ({ columns: stdout.columns || 100, rows: stdout.rows || 30 }) } : {}) };
}

/** trace's live-view flags, in one block: --live (terminal view on stdout). */
export interface LiveFlags {
  live?: boolean;
}

export function addLiveFlags(command: Command): Command {
  return command.option('--live', 'show the live view on stdout while recording (needs -o; not with -F/-v)');
}

/** The live view trace asked for, if any; `stdoutTaken` when messages are printed on stdout. */
export function liveViewFrom(flags: LiveFlags, context: CliContext, stdoutTaken: boolean): LiveViewOptions | undefined {
  if (!flags.live) return undefined;
  if (stdoutTaken) throw usageError('--live draws on stdout: give an output file (-o FILE) and leave out -F/-v');
  return { terminal: terminalViewFor(context) };
}
