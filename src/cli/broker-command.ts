import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the broker implementation.
export function registerBroker(command: Command, _context: CliContext): void {
  command.description('broker (not built yet)').action(() => {
    throw new SensortraceError('broker is not built yet', 'E_INTERNAL');
  });
}
