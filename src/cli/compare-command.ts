import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the compare implementation.
export function registerCompare(command: Command, _context: CliContext): void {
  command.description('compare (not built yet)').action(() => {
    throw new SensortraceError('compare is not built yet', 'E_INTERNAL');
  });
}
