import { dirname, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { runExperiment, reportInputs, type ExperimentProgress, type ExperimentRun } from '../../app/experiment/experiment.js';
import { formatDuration } from '../../core/duration.js';
import { SensortraceError, inputError, usageError } from '../../core/errors.js';
import { faultFromText } from '../../core/experiment/faults.js';
import { headlineTable } from '../../core/report/model.js';
import { scenarioFromValue } from '../../core/scenario/scenario.js';
import { lazyJsonLocator, NO_LINES, type Locate } from '../../core/schema/json-lines.js';
import { readSmallTextFile } from '../../io/input/input-file.js';
import { ProgressLine } from '../../io/output/progress-line.js';
import { addConnectionFlags, collect, connectionOptionsFrom, parseInteger, type ConnectionFlagValues } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';
import { addWebFlags, webViewFrom, type LiveFlags } from '../live-flags.js';

interface ExperimentFlags extends ConnectionFlagValues, Omit<LiveFlags, 'live'> {
  output: string;
  profile?: string;
  topic?: string;
  speed?: string;
  rate?: string;
  max?: boolean;
  format?: string;
  qos?: string;
  restartAt?: string;
  downFor?: string;
  restartKind?: string;
  state?: string;
  broker?: string;
  persistence?: string;
  autosave?: string;
  brokerUrl?: string;
  stopCmd?: string;
  startCmd?: string;
  killCmd?: string;
  drain?: string;
  quiet?: string;
  tracerReconnect?: string;
  replayerBack?: string;
  recorderBack?: string;
  fault?: string[];
  maxInflight?: number;
  queueQos0?: boolean;
  loop?: number;
  timeFormat?: string;
  quietOutput?: boolean;
}

/**
 * Builds the scenario object from a file (if any) with command-line flags laid over it, then
 * validates it all in one place (src/core/scenario.ts). Returns the raw object and where a
 * relative profile path is resolved from.
 */
/**
 * Lines of the scenario file, for the fields the command line did not replace: an error about a
 * value given as a flag has no line in the file.
 */
function fileLinesOnly(raw: Record<string, unknown>, locate: Locate): Locate {
  const fromFile = new Map(Object.entries(raw));
  return (path) => {
    const top = path[0];
    if (typeof top === 'string' && fromFile.get(top) !== raw[top]) return undefined;
    return locate(path);
  };
}

function scenarioInput(file: string | undefined, flags: ExperimentFlags, command: Command): { raw: Record<string, unknown>; source: string; baseDir: string; locate: Locate } {
  let raw: Record<string, unknown> = {};
  let locate: Locate = NO_LINES;
  let baseDir = process.cwd();
  if (file) {
    const text = readSmallTextFile(file, 'scenario');
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw inputError({ file }, `not valid JSON: ${(error as Error).message}`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw inputError({ file }, 'expected a JSON object');
    baseDir = dirname(resolve(file));
    locate = fileLinesOnly(raw, lazyJsonLocator(text));
  }
  const given = (name: string): boolean => command.getOptionValueSource(name) === 'cli';
  const duration = (text: string): string => text;
  if (flags.profile) {
    raw.profile = resolve(flags.profile);
  }
  if (flags.topic) raw.topic = flags.topic;
  if (flags.speed !== undefined || flags.rate !== undefined || flags.max) {
    delete raw.speed;
    delete raw.rate;
    delete raw.max;
    if (flags.speed !== undefined) raw.speed = Number(flags.speed);
    if (flags.rate !== undefined) raw.rate = Number(flags.rate);
    if (flags.max) raw.max = true;
  }
  if (flags.format) raw.payload = flags.format;
  if (flags.qos) raw.qos = flags.qos.split(',').map((q) => (/^[0-2]$/.test(q.trim()) ? Number(q) : q));
  if (flags.timeFormat) raw.profileFormat = { ...(raw.profileFormat as object | undefined), timeFormat: flags.timeFormat };
  if (flags.restartAt) {
    raw.restarts = flags.restartAt.split(',').map((at) => ({
      at: duration(at.trim()),
      downFor: flags.downFor ?? '5s',
      kind: flags.restartKind ?? 'graceful',
      state: flags.state ?? 'kept',
    }));
  } else if (given('downFor') || given('restartKind') || given('state')) {
    throw usageError('--down-for, --restart-kind and --state need --restart-at');
  }
  if (flags.broker) {
    const broker: Record<string, unknown> = { kind: flags.broker };
    if (flags.persistence !== undefined) broker.persistence = flags.persistence;
    if (flags.autosave !== undefined) broker.autosave = flags.autosave;
    if (flags.broker === 'external') {
      const url = flags.brokerUrl ?? flags.url ?? `mqtt://${flags.host}:${flags.port}`;
      broker.url = url;
      if (flags.stopCmd) broker.stop = flags.stopCmd;
      if (flags.startCmd) broker.start = flags.startCmd;
      if (flags.killCmd) broker.kill = flags.killCmd;
    }
    raw.brokers = [broker];
  } else if (flags.brokerUrl || flags.stopCmd || flags.startCmd) {
    throw usageError('--broker-url, --stop-cmd and --start-cmd go with --broker external');
  }
  // Added to the file's own top-level faults (which apply to every variant).
  if (flags.fault?.length) raw.faults = [...(Array.isArray(raw.faults) ? (raw.faults as unknown[]) : []), ...flags.fault.map(faultFlag)];
  if (flags.drain) raw.drain = flags.drain;
  if (flags.quiet) raw.quiet = flags.quiet;
  if (flags.tracerReconnect) raw.tracerReconnect = flags.tracerReconnect;
  if (flags.replayerBack) raw.replayer = comebackFlag(flags.replayerBack);
  if (flags.recorderBack) raw.recorder = comebackFlag(flags.recorderBack);
  if (flags.maxInflight !== undefined) raw.maxInflight = flags.maxInflight;
  if (flags.queueQos0) raw.queueQos0 = true;
  if (flags.loop !== undefined) raw.loop = flags.loop;
  if (raw.profile === undefined) throw usageError('experiment: give a scenario file or --profile FILE');
  return { raw, source: file ?? 'command line', baseDir, locate };
}

/** `--fault blackhole:recorder@2s+10s` → the scenario's fault object; a bad shape names the flag and the part. */
function faultFlag(text: string): Record<string, string> {
  const fault = faultFromText(text);
  if (typeof fault === 'string') throw usageError(`--fault "${text}": ${fault}`);
  return fault;
}

/** `after-replayer+300ms` → {back, gap}; `500ms` → {back: 'at', at}; the scenario schema checks the rest. */
function comebackFlag(value: string): Record<string, string> {
  const tied = /^((?:after|before)-(?:replayer|recorder))(?:\+(.+))?$/.exec(value.trim());
  if (!tied) return { back: 'at', at: value.trim() };
  return tied[2] === undefined ? { back: tied[1]! } : { back: tied[1]!, gap: tied[2] };
}

function progressText(p: ExperimentProgress): string {
  return `run ${p.run.index}/${p.total} ${p.run.id} · ${p.phase} · sent ${p.sent} · received ${p.received} · ~${formatDuration(p.etaMs)} left`;
}

function runDoneText(run: ExperimentRun): string {
  const r = run.report;
  const counts = r ? `sent ${r.sent}, delivered ${r.delivered}, lost ${r.lost}, duplicates ${r.duplicates}` : `failed: ${run.error ?? 'no data'}`;
  return `run ${run.spec.index} ${run.spec.id}: ${counts} (${formatDuration(run.durationMs)})`;
}

/** runExperiment, or with --web the same behind a live page (its code loaded only then). */
function runnerFor(flags: ExperimentFlags, context: CliContext): typeof runExperiment {
  const web = webViewFrom(flags, context);
  if (!web) return runExperiment;
  return async (options) => (await import('../../app/live/experiment-live.js')).experimentLive(options, web);
}

export function registerExperiment(command: Command, context: CliContext): void {
  addWebFlags(addConnectionFlags(
    command
      .description('run replay → broker restarts → trace → compare for each QoS and broker variant, and write a report')
      .argument('[scenario]', 'scenario JSON file (see scenarios/); flags override its settings')
      .requiredOption('-o, --output <dir>', 'output folder (one sub-folder per run, report.json/.md/.html at the top)')
      .option('--profile <file>', 'profile to replay (any shape replay reads)')
      .option('-t, --topic <template>', 'topic template (default sensors/{sensor}/temperature)')
      .option('--speed <factor>', 'replay F times faster than the profile')
      .option('--rate <hz>', 'replay at a fixed rate')
      .option('--max', 'replay as fast as the broker takes it')
      .addOption(new Option('--format <format>', 'payload format').choices(['plain', 'json', 'value']))
      .option('--time-format <format>', 'profile time format (epoch-s, epoch-ms, iso, relative-s)')
      .option('-q, --qos <list>', 'QoS levels to run, e.g. 0,1,2')
      .option('--restart-at <times>', 'restart the broker at these times after the replay starts, e.g. 20s or 10s,40s')
      .option('--down-for <duration>', 'how long the broker stays down at each restart', '5s')
      .addOption(new Option('--restart-kind <kind>', 'graceful (SIGTERM, state saved) or crash (SIGKILL)').choices(['graceful', 'crash']).default('graceful'))
      .addOption(new Option('--state <fate>', 'whether the broker\'s saved sessions survive the restart').choices(['kept', 'lost']).default('kept'))
      .addOption(new Option('--broker <kind>', 'broker under test').choices(['embedded', 'mosquitto', 'external']))
      .addOption(new Option('--persistence <on|off>', 'embedded/mosquitto: keep state on disk across restarts').choices(['on', 'off']))
      .option('--autosave <duration>', 'embedded/mosquitto: also save the state this often (default: only at a graceful stop)')
      .option('--broker-url <url>', 'external: the broker\'s URL (or use -L / -h / -p)')
      .option('--stop-cmd <command>', 'external: shell command that stops the broker')
      .option('--start-cmd <command>', 'external: shell command that starts it')
      .option('--kill-cmd <command>', 'external: shell command for a crash stop (default: --stop-cmd)')
      .option('--drain <duration>', 'after the replay, wait at most this long for the last messages')
      .option('--quiet-after <duration>', 'stop waiting once nothing arrived for this long')
      .option('--tracer-reconnect <duration>', "the recorder's delay between reconnect attempts once let back (replayer: 250ms)")
      .option('--replayer-back <when>', 'after a restart, the replayer is let back: 500ms (after the broker\'s scheduled start), after-recorder+300ms, before-recorder+300ms')
      .option('--recorder-back <when>', 'the recorder is let back: after-replayer+300ms (default), before-replayer+300ms, or 1s after the broker\'s scheduled start')
      .option('--fault <fault>', 'a network fault between one client and the broker (repeatable): KIND[=VALUE]:CLIENT@AT+FOR, e.g. blackhole:recorder@2s+10s, cut:replayer@5s+3s, delay=200ms~50ms:both@1s+5s, throttle=2kB/s:replayer@0s+20s', collect, [])
      .option('--max-inflight <n>', 'replay: most unacknowledged QoS 1/2 messages', parseInteger('--max-inflight', 1, 65535))
      .option('--queue-qos0', 'replay: keep QoS 0 messages while the broker is away')
      .option('--loop <n>', 'replay the profile N times', parseInteger('--loop', 1, 1_000_000))
      .option('--no-progress', 'no progress line'),
  ))
    .addHelpText('after', `
Examples:
  sensortrace experiment scenarios/demo.json -o out/demo
  sensortrace experiment scenarios/demo.json -o out/demo --web 8080   # and watch it at http://127.0.0.1:8080/
  sensortrace experiment --profile profiles/room-day.csv --rate 20 --qos 0,1,2 \\
    --restart-at 5s --down-for 3s --restart-kind graceful --broker mosquitto -o out/exp1
  sensortrace experiment --profile profiles/room-day.csv --rate 20 --qos 1 --broker external \\
    --broker-url mqtt://localhost:1883 --restart-at 5s --stop-cmd 'sudo systemctl stop mosquitto' \\
    --start-cmd 'sudo systemctl start mosquitto' -o out/lab

Connection flags (-u, -P, --cafile, ...) apply to the replayer and tracer; -L/-h/-p name an external broker.`)
    .action((file: string | undefined, flags: ExperimentCommandFlags, cmd: Command) => runExperimentCommand(file, flags, cmd, context));
}

type ExperimentCommandFlags = ExperimentFlags & { quietAfter?: string; progress: boolean };

/** The command's action: scenario from the file and flags, the runs with a progress line, then the table and report path. */
async function runExperimentCommand(file: string | undefined, flags: ExperimentCommandFlags, cmd: Command, context: CliContext): Promise<void> {
  const { raw, source, baseDir, locate } = scenarioInput(file, { ...flags, ...(flags.quietAfter ? { quiet: flags.quietAfter } : {}) }, cmd);
  const scenario = scenarioFromValue(raw, source, locate);
  const profile = resolve(baseDir, scenario.profile);
  const connection = connectionOptionsFrom(flags, context, (line) => writeLine(context.stderr, line));
  const { url: _url, host: _host, port: _port, clientId: _id, clean: _clean, ...clientSettings } = connection;
  const outDir = resolve(flags.output);
  const line = new ProgressLine(context.stderr, { enabled: context.interactive && flags.progress });
  const result = await runnerFor(flags, context)({
    scenario,
    profile,
    outDir,
    baseDir,
    connection: clientSettings,
    signal: context.signal,
    onProgress: (p) => line.update(() => progressText(p), p.phase === 'done'),
    onRunDone: (run) => {
      line.clear();
      writeLine(context.stderr, runDoneText(run));
    },
  });
  line.clear();
  writeLine(context.stdout, headlineTable(reportInputs(result.runs)));
  writeLine(context.stdout);
  const shown = relative(process.cwd(), result.reports.html) || result.reports.html;
  writeLine(context.stdout, `report: ${shown.startsWith('..') ? result.reports.html : shown} (also report.md, report.json)`);
  if (result.interrupted) writeLine(context.stderr, 'interrupted: the broker and clients were stopped; the report covers the runs recorded so far');
  const failed = result.runs.filter((r) => !r.report);
  if (failed.length > 0 && !result.interrupted) {
    const first = failed[0]!;
    throw new SensortraceError(`${failed.length} of ${result.runs.length} runs failed (first: ${first.spec.id}: ${first.error ?? 'no data'})`, (first.errorCode as 'E_BROKER' | undefined) ?? 'E_BROKER');
  }
}
