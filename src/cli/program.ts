import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from './context.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Register = (command: Command, context: CliContext) => void;

/**
 * Every command, with the one-line summary the top-level help shows. A command's module (and
 * what it pulls in: MQTT.js, aedes, vega) is loaded only when that command runs, so `replay`
 * does not pay for `compare`'s renderer or `experiment`'s brokers.
 */
const COMMANDS: ReadonlyArray<{ name: string; summary: string; load: () => Promise<Register> }> = [
  { name: 'replay', summary: 'publish a timestamped profile to a broker in its own rhythm, logging what was sent', load: async () => (await import('./commands/replay.js')).registerReplay },
  { name: 'profile', summary: 'make and check profiles (generate, inspect)', load: async () => (await import('./commands/profile.js')).registerProfile },
  { name: 'trace', summary: 'record every message on the given topics to CSV, losing nothing across broker restarts', load: async () => (await import('./commands/trace.js')).registerTrace },
  { name: 'watch', summary: 'show what arrives, live: per topic last value, count, rate, recent values; optionally a local web page', load: async () => (await import('./commands/watch.js')).registerWatch },
  { name: 'compare', summary: 'compare what was sent with what arrived: exact counts and plots', load: async () => (await import('./commands/compare.js')).registerCompare },
  { name: 'broker', summary: 'run an embedded MQTT 3.1.1 broker (aedes) until Ctrl+C', load: async () => (await import('./commands/broker.js')).registerBroker },
  { name: 'experiment', summary: 'replay → broker restarts → trace → compare, per QoS and broker variant, with a report', load: async () => (await import('./commands/experiment.js')).registerExperiment },
  { name: 'process', summary: 'complex event processing: transforms (X → sin(X)) and event-condition-action rules', load: async () => (await import('./commands/process.js')).registerProcess },
];

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

/** The command argv asks for (`sensortrace help trace` asks for trace), if any. */
function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

export async function buildProgram(context: CliContext, argv: readonly string[]): Promise<Command> {
  const program = configureCommand(new Command('sensortrace'), context)
    .description('Replay, trace and compare MQTT sensor telemetry — and see what a broker restart does to it')
    .version(version, '--version')
    .addHelpText('after', `
Exit status: 0 done, 1 unexpected failure, 2 bad input or usage, 3 broker unreachable, 4 broker refused the credentials.`);
  const requested = requestedCommand(argv);
  for (const { name, summary, load } of COMMANDS) {
    const command = configureCommand(new Command(name), context).summary(summary);
    program.addCommand(command);
    if (name === requested) (await load())(command, context);
  }
  return program;
}
