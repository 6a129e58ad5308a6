import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the process implementation.
export function registerProcess(command: Command, _context: CliContext): void {
  command.description('process (not built yet)').action(() => {
    throw new SensortraceError('process is not built yet', 'E_INTERNAL');
  });
}
