import type { Command } from 'commander';
import { trace, type TraceOptions } from '../../app/trace/trace.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { sysPathFor } from '../../core/sys/sys-value.js';
import { compileLineFormat, verboseLine, type LineFormatter, type LineMessage } from '../../core/trace/line-format.js';
import { applyGiveUp, GIVE_UP_HELP } from '../give-up-flag.js';
import { addConnectionFlags, connectionOptionsFrom, type ConnectionFlagValues } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';
import { traceLive } from '../../app/watch/live-view.js';
import { addLiveFlags, liveViewFrom, type LiveFlags } from '../live-flags.js';
import { addSubscriptionFlags, type SubscriptionFlagValues } from '../subscription-flags.js';

export interface TraceFlags extends ConnectionFlagValues, LiveFlags, SubscriptionFlagValues {
  output?: string;
  jsonl?: boolean;
  append?: boolean;
  fsync?: boolean;
  flushInterval: string;
  giveUpAfter?: string;
  stopQos2Wait?: string;
  stopCloseWait?: string;
  format?: string;
  verbose?: boolean;
  eol: boolean;
  utc?: boolean;
  quiet?: boolean;
  /** `--sys` alone (true) or `--sys FILE`. */
  sys?: string | boolean;
}

export function registerTrace(command: Command, context: CliContext): void {
  addLiveFlags(addConnectionFlags(
    addSubscriptionFlags(command.description('record every message on the given topics to CSV (or JSON lines), losing nothing across broker restarts'), 'record')
      .option('-o, --output <file>', 'trace file: CSV, or Parquet when FILE ends in .parquet (rows also journalled to FILE.journal.csv until the footer is written); events go to FILE.events.csv')
      .option('--jsonl', 'write JSON lines instead of CSV')
      .option('--append', 'append to an existing trace instead of replacing it')
      .option('--fsync', 'fsync after every flush (durable against power loss, slower)')
      .option('--flush-interval <duration>', 'flush the trace at least this often', '1s')
      .option('-F, --format <format>', 'print each message on stdout in mosquitto_sub -F format (%t topic, %p payload, %q, %r, %U, %I, %j, ...)')
      .option('-v, --verbose', 'print "topic payload" lines on stdout')
      .option('-N, --no-eol', 'do not end stdout lines with a newline')
      .option('--utc', 'print -F times in UTC instead of local time')
      .option('--give-up-after <duration>', GIVE_UP_HELP)
      .option('--stop-qos2-wait <duration>', 'when stopping, let recorded QoS 2 messages finish PUBREL/PUBCOMP this long (else the broker sends them again next session)', '1s')
      .option('--stop-close-wait <duration>', 'when stopping, wait this long for a clean DISCONNECT before dropping the connection', '1s')
      .option('--sys [file]', "also record the broker's $SYS counters (clients, messages received/sent/dropped, heap) to FILE (default: the trace's name with .sys.csv)")
      .option('--quiet', 'no status lines on stderr (errors are still printed)'),
  ))
    .addHelpText('after', `
Examples:
  sensortrace trace -t 'sensors/#' -q 1 -o out/trace.csv -i lab-recorder --no-clean
  sensortrace trace -t 'sensors/+/temp' -C 100 -v
  sensortrace trace -t 'sensors/#' -W 5 -o out/trace.csv -F '%I %t %p'
  sensortrace trace -t '$share/recorders/sensors/#' -V 5 -q 1 -o out/trace-a.csv
  sensortrace trace -t 'sensors/#' -q 1 -o out/trace.csv --sys      # and out/trace.sys.csv

Every way of stopping (-C, -W, --duration, Ctrl+C) writes every row received so far and closes the file whole.`)
    .action(async (flags: TraceFlags, self: Command) => {
      const options = traceOptionsFrom(flags, context);
      applyGiveUp(options.connection, flags, self);
      if (flags.stopQos2Wait !== undefined) options.stopQos2WaitMs = parseDuration(flags.stopQos2Wait, '--stop-qos2-wait');
      if (flags.stopCloseWait !== undefined) options.stopCloseWaitMs = parseDuration(flags.stopCloseWait, '--stop-close-wait');
      const status = (line: string): void => {
        if (!flags.quiet) writeLine(context.stderr, line);
      };
      const stdoutLine = lineWriter(flags, context, options.output === undefined);
      if (stdoutLine) options.onMessage = (_record, message) => stdoutLine(message);
      // The live view (--live): it shows connection events itself, and stderr lines would break its redraw.
      const live = liveViewFrom(flags, context, stdoutLine !== undefined);
      options.onReady = () => {
        const where = options.output ? `recording to ${options.output}` : 'printing to stdout';
        if (!live?.terminal) status(`trace: subscribed to ${options.filters.join(', ')} (QoS ${options.qos}), ${where}; Ctrl+C to stop`);
      };
      let reconnecting = false;
      options.onEvent = (event) => {
        if (live?.terminal) return;
        if (event.event === 'session_lost') writeLine(context.stderr, `trace: warning: ${event.detail ?? 'session lost'}`);
        else if (event.event === 'offline') status('trace: connection lost, reconnecting...');
        else if (event.event === 'connect' && reconnecting) status(`trace: reconnected (session present: ${event.sessionPresent ? 'yes' : 'no'})`);
        if (event.event === 'connect') reconnecting = true;
      };
      const summary = live ? await traceLive(options, live) : await trace(options);
      const parts = [`${summary.received} recorded`];
      if (summary.output) parts[0] += ` to ${summary.output}`;
      if (summary.retainedSkipped) parts.push(`${summary.retainedSkipped} retained skipped`);
      if (summary.excluded) parts.push(`${summary.excluded} filtered out`);
      parts.push(`${summary.reconnects} reconnect${summary.reconnects === 1 ? '' : 's'}`);
      if (summary.sessionsLost) parts.push(`${summary.sessionsLost} session${summary.sessionsLost === 1 ? '' : 's'} lost`);
      status(`trace: ${parts.join(', ')}; ${formatDuration(summary.durationMs)}, stopped by ${summary.stoppedBy}`);
      if (summary.sys) status(`trace: ${summary.sys.rows} $SYS row${summary.sys.rows === 1 ? '' : 's'} to ${summary.sys.output}${summary.sys.error ? ` (warning: ${summary.sys.error})` : ''}`);
    });
}

/** The library options from the flags (`watch` uses it too, naming itself in errors). */
export function traceOptionsFrom(flags: TraceFlags, context: CliContext, name = 'trace'): TraceOptions {
  if (flags.topic.length === 0) throw usageError(`${name}: give at least one topic filter with -t (e.g. -t "sensors/#")`);
  const connection = connectionOptionsFrom(flags, context, (line) => writeLine(context.stderr, line));
  const persistent = flags.clean === false || flags.sessionExpiry !== undefined;
  if (flags.sessionExpiry !== undefined && connection.protocolVersion !== 5) throw usageError('--session-expiry needs MQTT 5 (-V 5); with 3.1.1 use --no-clean');
  if (persistent) {
    if (!connection.clientId) throw usageError('a persistent session (--no-clean / --session-expiry) needs a fixed client id (-i ID): the broker finds the session by it');
    connection.clean = false;
    // mosquitto_sub's rule: with MQTT 5, -c alone means a session that never expires.
    if (connection.protocolVersion === 5) connection.sessionExpiry = flags.sessionExpiry ?? 4294967295;
  }
  if (flags.format !== undefined && flags.verbose) throw usageError('use either -F/--format or -v, not both');
  const options: TraceOptions = {
    filters: flags.topic,
    exclude: flags.filterOut,
    qos: flags.qos,
    connection,
    signal: context.signal,
    skipRetained: flags.retained === false,
    flushIntervalMs: parseDuration(flags.flushInterval, '--flush-interval'),
  };
  if (flags.output) options.output = flags.output;
  if (flags.jsonl) options.jsonl = true;
  if (flags.append) options.append = true;
  if (flags.fsync) options.fsync = true;
  if (flags.count !== undefined) options.count = flags.count;
  if (flags.idle !== undefined) options.idleMs = parseDuration(flags.idle, '-W/--idle');
  if (flags.duration !== undefined) options.durationMs = parseDuration(flags.duration, '--duration');
  if (flags.sys !== undefined && flags.sys !== false) options.sys = sysFileFrom(flags.sys, flags.output);
  if ((flags.jsonl || flags.append || flags.fsync) && !flags.output) throw usageError('--jsonl, --append and --fsync need an output file (-o FILE)');
  return options;
}

/** `--sys FILE`, or `--sys` alone: named after the trace file. */
function sysFileFrom(flag: string | true, output: string | undefined): string {
  if (typeof flag === 'string') return flag;
  if (!output) throw usageError('--sys needs a file (--sys FILE), or an output file (-o) to name it after');
  return sysPathFor(output);
}

/**
 * stdout lines: -F format, -v, or (without -o, like mosquitto_sub) the bare payload. A full
 * pipe holds the acknowledgement until it drains, so a slow reader slows the broker, not our memory.
 */
function lineWriter(flags: TraceFlags, context: CliContext, noOutputFile: boolean): ((message: LineMessage) => void | Promise<void>) | undefined {
  let format: LineFormatter | undefined;
  if (flags.format !== undefined) format = compileLineFormat(flags.format, { utc: flags.utc ?? false });
  else if (flags.verbose) format = verboseLine;
  const eol = flags.eol ? '\n' : '';
  const stdout = context.stdout;
  if (format) {
    const f = format;
    return (message) => drain(stdout, stdout.write(f(message) + eol));
  }
  if (!noOutputFile) return undefined;
  return (message) => drain(stdout, stdout.write(Buffer.concat([message.payload, Buffer.from(eol)])));
}

function drain(stream: CliContext['stdout'], ok: boolean): void | Promise<void> {
  if (ok) return;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}
