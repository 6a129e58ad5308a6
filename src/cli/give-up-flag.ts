import type { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import type { ConnectionOptions } from '../io/mqtt/connection.js';

export const GIVE_UP_HELP = 'stop with exit 3 once the broker has been unreachable this long (files stay whole); default: keep trying for ever. The first connection waits this long too unless --connect-timeout is given';

/** Adds `--give-up-after <duration>` (replay; trace and process add it in their own chains). */
export function addGiveUpFlag(command: Command): Command {
  return command.option('--give-up-after <duration>', GIVE_UP_HELP);
}

/**
 * Applies --give-up-after to the connection settings. One notion of "unreachable for too long":
 * without an explicit --connect-timeout, the first connection gets the same time.
 */
export function applyGiveUp(connection: ConnectionOptions, flags: { giveUpAfter?: string }, command: Command): void {
  if (flags.giveUpAfter === undefined) return;
  const ms = parseDuration(flags.giveUpAfter, '--give-up-after');
  connection.giveUpAfterMs = ms;
  if (command.getOptionValueSource('connectTimeout') === 'default') connection.connectTimeoutMs = ms;
}
