import { Command, Option } from 'commander';
import { generateProfile } from '../../app/profile/generate-profile.js';
import { parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { GENERATOR_PATTERNS, type GenerateProfileOptions, type GeneratorPattern } from '../../core/profile/generate.js';
import { normalizeDelimiter, parseIsoTime, TIME_FORMATS, type ProfileShape, type TimeFormat } from '../../core/profile/format.js';
import { inspectProfile } from '../../io/input/profile-reader.js';
import { parseInteger, parsePositiveNumber } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';
import { addProfileFormatFlags, describeProfile, profileFormatFrom } from './replay.js';

interface GenerateFlags {
  output?: string;
  pattern: GeneratorPattern;
  sensors: string;
  rate: number;
  interval?: string;
  duration: string;
  start: string;
  shape?: ProfileShape;
  timeFormat: TimeFormat;
  delimiter: string;
  decimalComma?: boolean;
  base: number;
  amplitude: number;
  noise: number;
  seed: number;
  decimals: number;
}

function parseNumber(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag}: expected a number (found "${text}")`);
    return n;
  };
}

function sub(parent: Command, name: string, context: CliContext): Command {
  const command = new Command(name)
    .exitOverride()
    .helpOption('--help', 'show help')
    .configureOutput({ writeOut: (t) => context.stdout.write(t), writeErr: (t) => context.stderr.write(t) })
    .showHelpAfterError('(run with --help for usage)');
  parent.addCommand(command);
  return command;
}

/** `3` → sensor1..sensor3; `hdd0,hdd1` → those names. */
function sensorNames(text: string): string[] {
  if (/^\d+$/.test(text.trim())) {
    const n = Number(text);
    if (n < 1 || n > 10_000) throw usageError(`--sensors: expected 1 to 10000 or a list of names (found "${text}")`);
    return Array.from({ length: n }, (_, i) => `sensor${i + 1}`);
  }
  // `1e9` or `2.5` is a count mistyped, not a sensor's name.
  if (text.trim() !== '' && Number.isFinite(Number(text))) throw usageError(`--sensors: expected a whole number from 1 to 10000 or a list of names (found "${text}")`);
  return text.split(',').map((s) => s.trim());
}

function startTime(text: string): number {
  if (text === 'now') return Math.floor(Date.now() / 1000) * 1000;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = parseIsoTime(text);
  if (at === undefined) throw usageError(`--start: expected now, epoch seconds or an ISO 8601 time (found "${text}")`);
  return at;
}

export function registerProfile(command: Command, context: CliContext): void {
  command.description('make and check profiles (generate, inspect)');

  const generate = sub(command, 'generate', context)
    .description('write a synthetic temperature profile (daily cycle, ramp, steps, noise) of any size')
    .option('-o, --output <file>', 'output file (default: standard output)')
    .addOption(new Option('--pattern <pattern>', 'temperature shape').choices([...GENERATOR_PATTERNS]).default('daily'))
    .option('--sensors <n|names>', 'number of sensors, or their names separated by commas', '1')
    .option('--rate <hz>', 'readings per second per sensor', parsePositiveNumber('--rate'), 1 / 60)
    .option('--interval <duration>', 'time between readings, instead of --rate (e.g. 5m)')
    .option('--duration <duration>', 'time covered: 500ms, 20s, 2m, 1h', '24h')
    .option('--start <time>', 'first reading: now, epoch seconds or ISO 8601', '2024-01-01T00:00:00Z')
    .addOption(new Option('--shape <shape>', 'single (time,value), long (time,sensor,value), wide (time,<sensor>...); default single for one sensor, else wide').choices(['single', 'long', 'wide']))
    .addOption(new Option('--time-format <format>', 'how times are written').choices([...TIME_FORMATS]).default('epoch-s'))
    .option('--delimiter <delimiter>', 'column delimiter: , ; tab space', ',')
    .option('--decimal-comma', 'write values with a decimal comma (needs ; tab or space)')
    .option('--base <celsius>', 'mean temperature', parseNumber('--base'), 20)
    .option('--amplitude <celsius>', 'daily swing, ramp rise or step height', parseNumber('--amplitude'), 3)
    .option('--noise <celsius>', 'standard deviation of random noise', parseNumber('--noise'), 0.1)
    .option('--seed <n>', 'random seed (same seed, same file)', parseInteger('--seed', 0, 2 ** 32 - 1), 1)
    .option('--decimals <n>', 'decimals per value', parseInteger('--decimals', 0, 10), 2);
  generate.action(async (flags: GenerateFlags) => {
    const sensors = sensorNames(flags.sensors);
    const delimiter = normalizeDelimiter(flags.delimiter);
    const options: GenerateProfileOptions = {
      pattern: flags.pattern,
      sensors,
      rateHz: flags.rate,
      durationMs: parseDuration(flags.duration, '--duration'),
      startMs: startTime(flags.start),
      shape: flags.shape ?? (sensors.length === 1 ? 'single' : 'wide'),
      timeFormat: flags.timeFormat,
      delimiter: delimiter === 'whitespace' ? ' ' : delimiter,
      decimalComma: Boolean(flags.decimalComma),
      base: flags.base,
      amplitude: flags.amplitude,
      noise: flags.noise,
      seed: flags.seed,
      decimals: flags.decimals,
    };
    if (flags.interval) options.intervalMs = parseDuration(flags.interval, '--interval');
    const run = { signal: context.signal };
    if (flags.output) {
      const result = await generateProfile(options, { path: flags.output }, run);
      const stopped = result.stopped ? ' (stopped: the file ends early, every line whole)' : '';
      writeLine(context.stderr, `wrote ${result.readings} readings (${result.steps} time steps) to ${flags.output}${stopped}`);
    } else await generateProfile(options, { stream: context.stdout }, run);
  });

  const inspect = sub(command, 'inspect', context)
    .description('validate a profile and print what was detected (same as replay --validate-only)')
    .argument('<profile>', 'profile file');
  addProfileFormatFlags(inspect);
  inspect.action(async (path: string, flags: Parameters<typeof profileFormatFrom>[0]) => {
    const summary = await inspectProfile(path, { ...profileFormatFrom(flags), signal: context.signal });
    for (const line of describeProfile(summary)) writeLine(context.stdout, line);
  });
}
