import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the replay implementation.
export function registerReplay(command: Command, _context: CliContext): void {
  command.description('replay (not built yet)').action(() => {
    throw new SensortraceError('replay is not built yet', 'E_INTERNAL');
  });
}
