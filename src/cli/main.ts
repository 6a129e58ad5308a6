import { Command, CommanderError } from 'commander';
import { EXIT_CODES, isSensortraceError } from '../core/errors.js';
import { redactUrl } from '../core/mqtt/redact-url.js';
import type { CliContext } from './context.js';
import { messageForCli } from './option-flags.js';
import { buildProgram } from './program.js';

/**
 * The one place that turns errors into exit codes (0 done, 1 unexpected failure, 2 bad input
 * or usage, 3 broker unreachable, 4 credentials refused). Commands and library code throw;
 * nothing else calls process.exit.
 */
export async function runMain(argv: string[], context: CliContext): Promise<number> {
  let program: Command;
  try {
    program = await buildProgram(context, argv);
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version are not errors; commander already printed what it had to say.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return EXIT_CODES.E_USAGE;
    }
    if (isSensortraceError(error)) {
      context.stderr.write(`sensortrace: ${redactUrl(messageForCli(error))}\n`);
      // Stopped by a signal before a result existed: 128 + the signal's number, as a shell reports it.
      if (error.code === 'E_INTERRUPTED' && context.signal.reason === 'SIGTERM') return 143;
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.stderr.write(`sensortrace: unexpected failure: ${redactUrl(message)}\n`);
    return 1;
  }
}
