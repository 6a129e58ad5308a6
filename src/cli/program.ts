import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from './context.js';
import { registerReplay } from './replay-command.js';
import { registerProfile } from './profile-command.js';
import { registerTrace } from './trace-command.js';
import { registerCompare } from './compare-command.js';
import { registerBroker } from './broker-command.js';
import { registerExperiment } from './experiment-command.js';
import { registerProcess } from './process-command.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Every command shares these: output to the context's streams, usage errors → exit 2, --help not -h. */
export function configureCommand(command: Command, context: CliContext): Command {
  return command
    .exitOverride()
    .helpOption('--help', 'show help')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');
}

export function buildProgram(context: CliContext): Command {
  const program = configureCommand(new Command('sensortrace'), context)
    .description('Replay, trace and compare MQTT sensor telemetry — and see what a broker restart does to it')
    .version(version, '--version')
    .addHelpText('after', `
Exit status: 0 done, 1 unexpected failure, 2 bad input or usage, 3 broker unreachable, 4 broker refused the credentials.`);
  const sub = (name: string): Command => {
    const command = configureCommand(new Command(name), context);
    program.addCommand(command);
    return command;
  };
  registerReplay(sub('replay'), context);
  registerProfile(sub('profile'), context);
  registerTrace(sub('trace'), context);
  registerCompare(sub('compare'), context);
  registerBroker(sub('broker'), context);
  registerExperiment(sub('experiment'), context);
  registerProcess(sub('process'), context);
  return program;
}
