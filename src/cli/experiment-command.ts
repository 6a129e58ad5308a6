import type { Command } from 'commander';
import { SensortraceError } from '../core/errors.js';
import type { CliContext } from './context.js';

// PLACEHOLDER: replaced by the experiment implementation.
export function registerExperiment(command: Command, _context: CliContext): void {
  command.description('experiment (not built yet)').action(() => {
    throw new SensortraceError('experiment is not built yet', 'E_INTERNAL');
  });
}
