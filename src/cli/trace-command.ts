import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the trace implementation.
export function registerTrace(command: Command, _context: CliContext): void {
  command.description('trace (not built yet)').action(() => {
    throw new SensortraceError('trace is not built yet', 'E_INTERNAL');
  });
}
