import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the profile implementation.
export function registerProfile(command: Command, _context: CliContext): void {
  command.description('profile (not built yet)').action(() => {
    throw new SensortraceError('profile is not built yet', 'E_INTERNAL');
  });
}
