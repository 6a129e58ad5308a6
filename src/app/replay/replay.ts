/**
 * Replay: publish a profile's readings to a broker in the profile's rhythm, and log what was
 * sent. Two streaming passes over the file: the first validates everything (nothing is
 * published from a bad file), the second publishes. This file only puts the parts together:
 * checks, the log, the connection, the publish window, the pacing loop, the drain, progress.
 */
import type { TopicTemplate } from '../../core/mqtt/topic-template.js';
import { compileTopicTemplate } from '../../core/mqtt/topic-template.js';
import { eventsPathFor, type ProfileRow } from '../../core/records.js';
import { replayStart } from '../../core/schedule/replay-start.js';
import { expectedDurationMs, loopPeriodMs, type ResumePlan, type ScheduleInput } from '../../core/schedule/schedule.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { inspectProfileKeepingRows, readProfileInTimeOrderBatches, type ProfileSummary } from '../../io/input/profile-reader.js';
import { checkOutputs } from '../../io/output/output-path.js';
import { checkReplayOptions, checkResume, checkScaleOut, checkTopics, partitionRows } from './checks.js';
import { drain } from './drain.js';
import { connectLanes, type Lane, type Lanes } from './lanes.js';
import { LoopControl } from './loop-control.js';
import { PassCursor } from './pass-cursor.js';
import { sendPaced } from './pacing-loop.js';
import { ProgressReporter } from './progress.js';
import { defaultMaxInflight, PublishWindow } from './publish-window.js';
import { ReplayLog } from './replay-log.js';
import { replaySession, type ReplaySession } from './replay-session.js';
import { discardSession } from '../../io/mqtt/session.js';
import { gaveUpError } from '../../io/mqtt/give-up.js';
import { describeBroker } from '../../io/mqtt/connection.js';
import type { ReplayOptions, ReplaySummary } from './replay-types.js';
import { passOverResumed, readResumePlan } from './resume.js';
import { SentRecords } from './sent-records.js';

export type { Pacing } from '../../core/schedule/schedule.js';
export type { ReplayOptions, ReplayProgress, ReplaySummary } from './replay-types.js';

/** Profiles up to this many readings (~15 MB) are parsed once and replayed from memory. */
const KEEP_ROWS = 250_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

/** Everything a connected run works with. */
interface Run {
  options: ReplayOptions;
  clock: Clock;
  control: LoopControl;
  profile: ProfileSummary;
  template: TopicTemplate | undefined;
  keptRows: ProfileRow[] | undefined;
  plan: ResumePlan | undefined;
  log: ReplayLog | undefined;
  /** The connections (one unless --connections), each with its publisher and window. */
  lanes: Lanes;
  session: ReplaySession;
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  checkReplayOptions(options);
  checkScaleOut(options, (options.clock ?? systemClock).now());
  // Before the profile is read: an unwritable log, or a log over the profile, fails at once.
  if (options.log) checkOutputs([options.log, eventsPathFor(options.log)], [options.profile], { output: 'sent log', input: 'profile' });
  const template = options.topic === undefined ? undefined : compileTopicTemplate(options.topic);
  const format = options.format ?? {};
  // Pass 1: the whole file is read and checked before anything is published.
  const inspected = await inspectProfileKeepingRows(options.profile, options.signal ? { ...format, signal: options.signal } : format, KEEP_ROWS);
  const profile = inspected.summary;
  if (profile.stopped) return emptySummary(profile);
  checkTopics(template, profile);
  options.onValidated?.(profile);
  if (options.signal?.aborted) return emptySummary(profile);
  checkResume(options);
  const plan = options.resume && options.log ? await readResumePlan(options.log, options.qos, (options.connections ?? 1) > 1) : undefined;
  const clock = options.clock ?? systemClock;
  const control = new LoopControl(clock);
  const log = options.log ? await ReplayLog.open(options.log, { handedOverMark: options.qos === 2, onFailure: () => control.stop(), clock, connectionColumn: (options.connections ?? 1) > 1, ...(plan ? { resumeAt: plan.unknown.from } : {}) }) : undefined;
  // Each connection has its own id provider (MQTT.js's option): it knows which packet id carries which seq.
  let lanes: Lanes | undefined;
  try {
    lanes = await connectLanes(options, { clock, logEvent: log && ((event) => log.event(event)), onGiveUp: () => control.stop() });
  } catch (error) {
    log?.discardIfFresh();
    throw error;
  }
  if (!lanes) {
    log?.discardIfFresh();
    return emptySummary(profile);
  }
  const run: Run = { options, clock, control, profile, template, keptRows: inspected.rows, plan, log, lanes, session: replaySession(options) };
  let summary: ReplaySummary;
  try {
    summary = await publishProfile(run);
  } finally {
    lanes.stopGiveUps();
  }
  await Promise.all(lanes.list.map((lane) => endRandomSession(lane.session, summary)));
  return summary;
}

/** Pass 2: publishes, drains, ends the connection and the log, and sums up. */
async function publishProfile(run: Run): Promise<ReplaySummary> {
  const { options, clock, control, log, lanes } = run;
  for (const lane of lanes.list) lane.window = windowFor(run, lane);
  const stopListening = control.stopOn(options.signal);
  const schedule = scheduleFor(run);
  const progress = progressFor(run, schedule);
  // Sends that waited out an outage are reported apart from pacing while connected (per connection).
  const unwatchLinks = lanes.list.map((lane) => lane.publisher.watch({ transmitted: () => {}, connected: () => lane.pacing.cameBack(clock.now()), closed: () => lane.pacing.wentDown() }));
  const timing = { startAt: clock.now() };
  progress?.start();
  let error: unknown;
  try {
    await sendAndDrain(run, { schedule, progress, timing });
  } catch (e) {
    error = e;
  } finally {
    error ??= log?.failure;
    progress?.stop();
    stopListening();
    for (const unwatch of unwatchLinks) unwatch();
  }
  const endedAt = clock.now();
  progress?.tick(true);
  lanes.detach();
  const outstanding = lanes.outstanding();
  await lanes.end(outstanding.length > 0 || control.stopped || error !== undefined);
  try {
    log?.finish(outstanding);
  } catch (closeError) {
    error ??= closeError;
  }
  if (error !== undefined) throw error;
  const summary = summaryOf(run, endedAt - timing.startAt);
  const gaveUp = lanes.gaveUp;
  if (gaveUp) throw gaveUpError(describeBroker(options.connection), gaveUp.downForMs, undoneText(summary, options.loop ?? 1));
  return summary;
}

/** A connection's publish window: its own in-flight limit (the broker's Receive Maximum for it). */
function windowFor(run: Run, lane: Lane): PublishWindow {
  const { options, clock, control, log } = run;
  const source = lane.number === undefined ? 'replay' : `replay-c${lane.number}`;
  return new PublishWindow(lane.publisher, {
    qos: options.qos,
    maxInflight: options.maxInflight ?? lane.connection.brokerReceiveMaximum ?? defaultMaxInflight(options.qos),
    queueQos0: Boolean(options.queueQos0),
    clock,
    onFinal: (record) => {
      log?.complete(record);
      control.wakeUp();
    },
    onUnconfirmed: (record, why) => lane.events.handle({ at: clock.now(), source, event: 'error', detail: `seq ${record.seq} not acknowledged: ${why}` }),
    ...(log && options.qos === 2 ? { beforeHandOver: (seq: number) => log.handOver(seq) } : {}),
  });
}

interface LoopParts {
  schedule: ScheduleInput;
  progress: ProgressReporter | undefined;
  /** When the loop starts (set once the first row is in hand). */
  timing: { startAt: number };
}

async function sendAndDrain(run: Run, parts: LoopParts): Promise<void> {
  const { options, clock, control, profile, plan } = run;
  const readPass = run.keptRows ? () => [run.keptRows!] : () => readProfileInTimeOrderBatches(options.profile, profile, options.format ?? {});
  const rows = new PassCursor(readPass, options.loop ?? 1, () => control.stopped);
  const records = new SentRecords({ template: run.template, qos: options.qos, retain: Boolean(options.retain), payloadFormat: options.payloadFormat ?? 'plain', loopPeriodMs: parts.schedule.loopPeriodMs, relative: profile.relative });
  let position = { item: rows.take() ?? (await rows.next()), index: 0 };
  if (plan) position = await passOverResumed(rows, position, plan, { clock, records, stopped: () => control.stopped, ...(run.log ? { logUnsent: (r) => run.log!.complete(r) } : {}) });
  // The first row is in hand before the clock starts, so reading the file never delays it.
  const first = position.item && { time: position.item.row.time, index: position.index, pass: position.item.pass };
  const start = replayStart({ now: clock.now(), schedule: parts.schedule, resuming: Boolean(plan), shiftToNow: Boolean(options.shiftToNow), relative: profile.relative, profileFirstTime: profile.firstTime, ...(first ? { first } : {}), ...(options.startAt !== undefined ? { startAt: options.startAt } : {}) });
  parts.timing.startAt = start.startAt;
  if (parts.progress) parts.progress.startAt = start.startAt;
  // --start-at was checked before the profile was read; if reading and connecting took us past
  // it, the overdue readings go at once (their planned times are every partition's). With --max
  // nothing else waits for the instant; Ctrl+C meanwhile ends the wait.
  if (options.startAt !== undefined && !(await control.waitUntil(options.startAt))) return;
  options.onStart?.({ startAt: start.startAt, maxInflight: run.lanes.maxInflight });
  const onSend = parts.progress && (() => parts.progress!.tick());
  const { lanes, log } = run;
  const skip = log && ((seq: number) => log.skip(seq));
  await sendPaced({ clock, control, route: (sensor) => lanes.route(sensor), records, schedule: parts.schedule, ...(skip ? { skip } : {}), ...(onSend ? { onSend } : {}), ...(options.onPacing ? { onPacing: options.onPacing } : {}), ...(options.gate ? { gate: options.gate } : {}) }, rows, position, start);
  // Wait for what is still outstanding, unless stopped by a signal.
  await drain(clock, control, lanes, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
}

/** Relative profiles count from the replay's start (time 0 = start), so a first reading at 5 s waits 5 s. */
function scheduleFor({ options, profile }: Run): ScheduleInput {
  return { pacing: options.pacing, firstTime: profile.relative ? Math.min(0, profile.firstTime) : profile.firstTime, loopPeriodMs: loopPeriodMs(profile.durationMs, profile.distinctTimes) };
}

/** Without onProgress, no per-message progress bookkeeping at all. */
function progressFor(run: Run, schedule: ScheduleInput): ProgressReporter | undefined {
  const { options, profile, plan, lanes } = run;
  if (!options.onProgress) return undefined;
  const loops = options.loop ?? 1;
  const skipped = plan ? plan.startSeq - 1 : 0;
  const total = loops === 0 ? undefined : Math.max(0, partitionRows(profile, options.partition) * loops - skipped);
  const expectedMs = total === undefined ? undefined : expectedDurationMs(schedule, profile.lastTime, profile.rows, loops);
  const counts = () => ({ sent: lanes.sent, published: lanes.published, acknowledged: lanes.acknowledged, queued: lanes.queued, dropped: lanes.dropped, connected: lanes.connected, reconnects: lanes.reconnects });
  return new ProgressReporter(run.clock, options.onProgress, counts, { ...(total !== undefined ? { total } : {}), ...(expectedMs !== undefined ? { expectedMs } : {}) });
}

function summaryOf(run: Run, durationMs: number): ReplaySummary {
  const { lanes, options } = run;
  const summary: ReplaySummary = {
    sent: lanes.sent,
    published: lanes.published,
    acknowledged: lanes.acknowledged,
    queued: lanes.queued,
    dropped: lanes.dropped,
    unconfirmed: lanes.unconfirmed,
    reconnects: lanes.reconnects,
    durationMs,
    pacingErrorMs: lanes.pacing.connected.percentiles(),
    maxInflight: lanes.maxInflight,
    stoppedBy: run.control.stopped ? 'signal' : 'end',
    profile: run.profile,
  };
  if (run.log) {
    summary.log = run.log.sentPath;
    summary.events = run.log.eventsPath;
  }
  if (run.plan) summary.resumed = run.plan;
  if (run.session.identity) summary.session = run.session.identity;
  if (lanes.list.length > 1) summary.connections = lanes.list.length;
  if (options.partition) summary.partition = options.partition;
  const { outage } = lanes.pacing;
  if (outage.count > 0) summary.outageDelayMs = { ...outage.percentiles(), count: outage.count };
  return summary;
}

/**
 * A persistent session under a random id can never be taken over: once nothing is outstanding,
 * it is ended rather than left on the broker for ever (a broker that is gone by now is not waited for).
 */
async function endRandomSession(session: ReplaySession, summary: ReplaySummary): Promise<void> {
  if (session.identity?.origin !== 'random' || summary.queued > 0) return;
  await discardSession({ ...session.options, connectTimeoutMs: 1000 }).catch(() => undefined);
}

/** What a replay that gave up left undone (its sent log says which, row by row). */
function undoneText(s: ReplaySummary, loops: number): string {
  const planned = loops === 0 ? undefined : partitionRows(s.profile, s.partition) * loops - (s.resumed ? s.resumed.startSeq - 1 : 0);
  const unsent = planned === undefined ? '' : `, ${Math.max(0, planned - s.sent)} never sent`;
  return `sent ${s.sent}, acknowledged ${s.acknowledged}, ${s.sent - s.published - s.dropped} unacknowledged${unsent}; the sent log is complete${s.log ? ` (${s.log})` : ''}`;
}

function emptySummary(profile: ProfileSummary): ReplaySummary {
  return { sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, unconfirmed: 0, reconnects: 0, durationMs: 0, pacingErrorMs: { p50: 0, p99: 0, max: 0 }, maxInflight: 0, stoppedBy: 'signal', profile };
}
