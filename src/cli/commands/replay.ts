import { Option, type Command } from 'commander';
import { replay, type ReplayProgress, type ReplaySummary } from '../../app/replay/replay.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { usageError } from '../../core/errors.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../../core/mqtt/payload.js';
import { TIME_FORMATS, type ProfileFormatOptions, type TimeFormat } from '../../core/profile/format.js';
import type { Pacing } from '../../core/schedule/schedule.js';
import { parsePartition, type Partition } from '../../core/schedule/partition.js';
import { parseStartAt } from '../../core/schedule/start-at.js';
import { describeBroker } from '../../io/mqtt/connection.js';
import { inspectProfile, type ProfileSummary } from '../../io/input/profile-reader.js';
import { ProgressLine } from '../../io/output/progress-line.js';
import { addConnectionFlags, connectionOptionsFrom, parseInteger, parsePositiveNumber, parseQos, type ConnectionFlagValues } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';
import { addGiveUpFlag, applyGiveUp } from '../give-up-flag.js';
import { addWebFlags, webViewFrom, type LiveFlags } from '../live-flags.js';

/** The profile layout flags are the library's options, the time format still unchecked text. */
type ProfileFlagValues = Omit<ProfileFormatOptions, 'timeFormat'> & { timeFormat?: string };

interface ReplayFlagValues extends ConnectionFlagValues, ProfileFlagValues, Omit<LiveFlags, 'live'> {
  topic?: string;
  qos: 0 | 1 | 2;
  retain?: boolean;
  speed?: number;
  rate?: number;
  max?: boolean;
  loop: number;
  format: PayloadFormat;
  shiftToNow?: boolean;
  maxInflight?: number;
  queueQos0?: boolean;
  log?: string;
  resume?: boolean;
  clean?: boolean;
  giveUpAfter?: string;
  drainTimeout: string;
  validateOnly?: boolean;
  quiet?: boolean;
  connections?: number;
  partition?: Partition;
  startAt?: number;
}

/** The profile-format flags, shared with `profile inspect`. */
export function addProfileFormatFlags(command: Command): Command {
  return command
    .addOption(new Option('--time-format <format>', 'time column format (default: detected)').choices(['auto', ...TIME_FORMATS]))
    .option('--delimiter <delimiter>', 'column delimiter: , ; tab space (default: detected)')
    .option('--decimal-comma', 'values use a decimal comma (21,5); detected for ; tab and space files')
    .option('--time-column <name|n>', 'column holding the time (name or 1-based number)')
    .option('--value-column <name|n>', 'column holding the value')
    .option('--sensor-column <name|n>', 'column naming the sensor (time,sensor,value profiles)')
    .option('--sensor <name>', 'sensor name for a single-value profile (default: the file name)')
    .option('--timezone <zone>', 'zone of ISO times written without one: UTC, local or an IANA name like Europe/Berlin (default: UTC)');
}

export function profileFormatFrom(flags: ProfileFlagValues): ProfileFormatOptions {
  const format: ProfileFormatOptions = {};
  if (flags.timeFormat) format.timeFormat = flags.timeFormat as TimeFormat | 'auto';
  if (flags.delimiter !== undefined) format.delimiter = flags.delimiter;
  if (flags.decimalComma) format.decimalComma = true;
  if (flags.timeColumn) format.timeColumn = flags.timeColumn;
  if (flags.valueColumn) format.valueColumn = flags.valueColumn;
  if (flags.sensorColumn) format.sensorColumn = flags.sensorColumn;
  if (flags.sensor) format.sensor = flags.sensor;
  if (flags.timezone !== undefined) format.timezone = flags.timezone;
  return format;
}

function pacingFrom(flags: ReplayFlagValues): Pacing {
  const chosen = [flags.speed !== undefined, flags.rate !== undefined, Boolean(flags.max)].filter(Boolean).length;
  if (chosen > 1) throw usageError('choose one of --speed, --rate and --max');
  if (flags.speed !== undefined) return { mode: 'speed', factor: flags.speed };
  if (flags.rate !== undefined) return { mode: 'rate', hz: flags.rate };
  if (flags.max) return { mode: 'max' };
  return { mode: 'profile' };
}

function isoTime(ms: number, relative: boolean): string {
  return relative ? `${(ms / 1000).toFixed(3)} s` : new Date(ms).toISOString();
}

/** What --validate-only and `profile inspect` print. */
export function describeProfile(s: ProfileSummary): string[] {
  const lines = [
    `profile:     ${s.path}`,
    `shape:       ${s.shape === 'single' ? 'time,value' : s.shape === 'long' ? 'time,sensor,value' : 'one column per sensor'}${s.hasHeader ? '' : ' (no header)'}`,
    `columns:     ${s.columns.join(', ')}`,
    `delimiter:   ${s.delimiter}${s.decimalComma ? ', decimal comma' : ''}`,
    `time:        column "${s.timeColumn}", ${s.timeFormat}${s.relative ? ' (anchored at the replay start)' : ''}`,
    `time zone:   ${s.timezone} (ISO times written without a zone; --timezone)`,
    `sensors:     ${s.sensors.length} (${s.sensors.slice(0, 10).map((x) => `${x.name}: ${x.rows}`).join(', ')}${s.sensors.length > 10 ? ', ...' : ''})`,
    `rows:        ${s.rows} readings${s.hasTopics ? `, topics from column "${s.topicColumn}"` : ''}`,
    `from:        ${isoTime(s.firstTime, s.relative)}`,
    `to:          ${isoTime(s.lastTime, s.relative)}`,
    `duration:    ${formatDuration(s.durationMs)}`,
    `rate:        ${s.rateHz.toFixed(3)} readings/s`,
  ];
  if (s.stopped) lines.unshift('stopped by signal: the figures below cover only the part read');
  if (!s.ordered) lines.push('order:       sensors grouped, not in time order across sensors (merged while replaying)');
  return lines;
}

function progressText(p: ReplayProgress, qos: number): string {
  const parts = [`sent ${p.sent}${p.total === undefined ? '' : `/${p.total}`}`];
  parts.push(qos > 0 ? `acked ${p.acknowledged}` : `published ${p.published}`);
  if (p.queued > 0) parts.push(`queued ${p.queued}`);
  if (p.dropped > 0) parts.push(`dropped ${p.dropped}`);
  parts.push(`${p.rate.toFixed(1)} msg/s`);
  if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  parts.push(p.connected ? 'connected' : 'OFFLINE, reconnecting');
  if (p.reconnects > 0) parts.push(`${p.reconnects} reconnect${p.reconnects === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export function describeReplaySummary(s: ReplaySummary, qos: number): string[] {
  const f = (ms: number): string => `${ms.toFixed(3)} ms`;
  const lines = [
    `replayed ${s.profile.path}: ${s.stoppedBy === 'signal' ? 'stopped by signal' : 'done'} in ${formatDuration(s.durationMs)}`,
    `sent ${s.sent}, published ${s.published}${qos > 0 ? `, acknowledged ${s.acknowledged}` : ''}, still queued ${s.queued}${s.dropped > 0 ? `, dropped ${s.dropped} (QoS 0 while offline; --queue-qos0 keeps them)` : ''}`,
    `reconnects ${s.reconnects}, max in flight ${s.maxInflight}${s.connections ? ` over ${s.connections} connections` : ''}${s.partition ? `, partition ${s.partition.index}/${s.partition.count}` : ''}`,
    ...(s.unconfirmed > 0 ? [`unconfirmed ${s.unconfirmed}: the broker's answer does not confirm delivery (failure reason code, or PUBCOMP after a lost session); not acknowledged, see the events file`] : []),
    `pacing error p50 ${f(s.pacingErrorMs.p50)}, p99 ${f(s.pacingErrorMs.p99)}, max ${f(s.pacingErrorMs.max)} (while connected)`,
  ];
  const outage = s.outageDelayMs;
  if (outage) lines.push(`${outage.count} send${outage.count === 1 ? '' : 's'} came due while the broker was away: handed to the client p50 ${f(outage.p50)}, p99 ${f(outage.p99)}, max ${f(outage.max)} after their planned time (not in the pacing error above)`);
  if (s.resumed) {
    const { startSeq, unknown } = s.resumed;
    lines.push(`resumed at seq ${startSeq}${unknown.to >= unknown.from ? `; seq ${unknown.from}-${unknown.to} may have left the killed run unlogged: not sent again, logged without published_at` : ''}`);
  }
  if (s.log) lines.push(`sent log: ${s.log}; events: ${s.events}`);
  if (s.session?.origin === 'random') lines.push(`note: persistent session under a random client id ${s.session.clientId}${s.connections ? ` (-c1 … -c${s.connections})` : ''} (no --log or -i): a later run cannot take it over`);
  return lines;
}

export function registerReplay(command: Command, context: CliContext): void {
  command
    .description('publish a timestamped profile to a broker in its own rhythm, logging what was sent')
    .argument('<profile>', 'CSV profile: time,value | time,sensor,value | time,<sensor>,<sensor>... | "1266193804 32" lines')
    .option('-t, --topic <template>', 'topic template, fields {sensor} {seq} {value} {time} {pass} {topic} (required unless the profile has a topic column)')
    .option('-q, --qos <qos>', 'QoS 0, 1 or 2', parseQos, 0)
    .option('-r, --retain', 'publish retained')
    .option('--speed <factor>', 'play the profile this many times faster', parsePositiveNumber('--speed'))
    .option('--rate <hz>', 'ignore profile timing: send at a fixed rate (messages per second)', parsePositiveNumber('--rate'))
    .option('--max', 'ignore profile timing: as fast as the broker takes it (within --max-inflight)')
    .option('--loop <n>', 'play the profile n times (0: until stopped)', parseInteger('--loop', 0, Number.MAX_SAFE_INTEGER), 1)
    .addOption(new Option('--format <format>', 'payload: plain "<epoch s> <value>", json, or value').choices([...PAYLOAD_FORMATS]).default('plain'))
    .option('--shift-to-now', 'move a historical profile so its first reading is now')
    .option('--max-inflight <n>', 'most unacknowledged messages, per connection (default: broker Receive Maximum, else 100 at QoS 1, 20 at QoS 0/2)', parseInteger('--max-inflight', 1, 65535))
    .option('--queue-qos0', 'keep QoS 0 messages while the broker is away and send them on reconnect')
    .option('--log <file>', 'write the sent log here: CSV, or Parquet when <file> ends in .parquet (no --resume then); connection events go to <file>.events.csv')
    .option('--resume', 'continue an earlier (killed) run from its --log: appends, seq continues; see README')
    .option('--clean', 'QoS 1/2: clean session instead of the default persistent one; risks losing QoS 2 messages the broker had acknowledged with PUBREC when it restarts or the link drops (they are still counted acknowledged)')
    .option('--connections <n>', 'spread the sensors over n client connections (client ids <id>-c<k>); a sensor stays on one, see docs/scaling.md', parseInteger('--connections', 1, 64))
    .option('--partition <k/N>', "publish only shard k of N of the sensors (stable hash of the sensor id); seq stays the whole profile's", (text: string) => parsePartition(text))
    .option('--start-at <instant>', 'start the pacing at this instant (epoch s/ms or ISO 8601 with zone), for several processes in lockstep; refused once more than 1 s past', (text: string) => parseStartAt(text))
    .option('--drain-timeout <duration>', 'at the end, wait this long for outstanding acknowledgments', '10s')
    .option('--validate-only', 'check the profile, print what was detected, publish nothing')
    .option('--quiet', 'no progress line and no summary');
  addGiveUpFlag(command);
  addWebFlags(command);
  addProfileFormatFlags(command);
  addConnectionFlags(command);
  command.action(async (profilePath: string, flags: ReplayFlagValues, self: Command) => {
    const format = profileFormatFrom(flags);
    if (flags.validateOnly) {
      const summary = await inspectProfile(profilePath, { ...format, signal: context.signal });
      for (const line of describeProfile(summary)) writeLine(context.stdout, line);
      return;
    }
    const connection = connectionOptionsFrom(flags, context, (line) => writeLine(context.stderr, line));
    if (flags.clean) connection.clean = true;
    applyGiveUp(connection, flags, self);
    const pacing = pacingFrom(flags);
    const drainTimeoutMs = parseDuration(flags.drainTimeout, '--drain-timeout');
    const showProgress = context.interactive && !flags.quiet;
    const line = new ProgressLine(context.stderr, { enabled: showProgress });
    const options: Parameters<typeof replay>[0] = {
      profile: profilePath,
      format,
      pacing,
      qos: flags.qos,
      retain: Boolean(flags.retain),
      loop: flags.loop,
      payloadFormat: flags.format,
      shiftToNow: Boolean(flags.shiftToNow),
      connection,
      queueQos0: Boolean(flags.queueQos0),
      drainTimeoutMs,
      signal: context.signal,
      onEvent: (e) => {
        if (e.event === 'offline') line.update(`broker ${describeBroker(connection)} went away; reconnecting...`, true);
      },
    };
    // Without a progress line, replay skips the per-message progress bookkeeping altogether.
    if (showProgress) options.onProgress = (p) => line.update(() => progressText(p, flags.qos));
    if (flags.topic !== undefined) options.topic = flags.topic;
    if (flags.maxInflight !== undefined) options.maxInflight = flags.maxInflight;
    if (flags.log) options.log = flags.log;
    if (flags.resume) options.resume = true;
    if (flags.connections !== undefined) options.connections = flags.connections;
    if (flags.partition) options.partition = flags.partition;
    if (flags.startAt !== undefined) options.startAt = flags.startAt;
    let summary: ReplaySummary;
    try {
      const web = webViewFrom(flags, context);
      // The live page is loaded (and its port taken) only when asked for.
      summary = web ? await (await import('../../app/live/replay-live.js')).replayLive(options, web) : await replay(options);
    } finally {
      line.clear();
    }
    if (!flags.quiet) for (const text of describeReplaySummary(summary, flags.qos)) writeLine(context.stdout, text);
  });
}
