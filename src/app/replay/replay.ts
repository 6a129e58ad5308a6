/**
 * Replay: publish a profile's readings to a broker in the profile's rhythm, and log what was
 * sent. Two streaming passes over the file: the first validates everything (nothing is
 * published from a bad file), the second publishes. This file only puts the parts together:
 * checks, the log, the connection, the publish window, the pacing loop, the drain, progress.
 */
import type { TopicTemplate } from '../../core/mqtt/topic-template.js';
import { compileTopicTemplate } from '../../core/mqtt/topic-template.js';
import { eventsPathFor, type ProfileRow } from '../../core/records.js';
import { PacingSplit, type PacingRecorder } from '../../core/schedule/pacing-stats.js';
import { replayStart } from '../../core/schedule/replay-start.js';
import { expectedDurationMs, loopPeriodMs, type ResumePlan, type ScheduleInput } from '../../core/schedule/schedule.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { inspectProfileKeepingRows, readProfileInTimeOrderBatches, type ProfileSummary } from '../../io/input/profile-reader.js';
import type { MqttConnection } from '../../io/mqtt/connection.js';
import { checkOutputs } from '../../io/output/output-path.js';
import { checkReplayOptions, checkResume, checkTopics } from './checks.js';
import { ConnectionEvents } from './connection-events.js';
import { drain } from './drain.js';
import { LoopControl } from './loop-control.js';
import { SeqMessageIds } from './message-ids.js';
import { MqttPublisher } from './mqtt-publisher.js';
import { PassCursor } from './pass-cursor.js';
import { sendPaced } from './pacing-loop.js';
import { ProgressReporter } from './progress.js';
import { PublishWindow } from './publish-window.js';
import { ReplayLog } from './replay-log.js';
import { connectSession, giveUpWatchFor, replaySession, type ReplaySession } from './replay-session.js';
import { discardSession, withSessionDetail } from '../../io/mqtt/session.js';
import { gaveUpError, type GiveUpWatch } from '../../io/mqtt/give-up.js';
import { describeBroker } from '../../io/mqtt/connection.js';
import type { ReplayOptions, ReplaySummary } from './replay-types.js';
import { passOverResumed, readResumePlan } from './resume.js';
import { SentRecords } from './sent-records.js';

export type { Pacing } from '../../core/schedule/schedule.js';
export type { ReplayOptions, ReplayProgress, ReplaySummary } from './replay-types.js';

/** Profiles up to this many readings (~15 MB) are parsed once and replayed from memory. */
const KEEP_ROWS = 250_000;
const DEFAULT_MAX_INFLIGHT = 20;
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
  events: ConnectionEvents;
  connection: MqttConnection;
  publisher: MqttPublisher;
  giveUp: GiveUpWatch | undefined;
  session: ReplaySession;
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  checkReplayOptions(options);
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
  const plan = options.resume && options.log ? await readResumePlan(options.log, options.qos) : undefined;
  const clock = options.clock ?? systemClock;
  const control = new LoopControl(clock);
  const log = options.log ? new ReplayLog(options.log, { handedOverMark: options.qos === 2, onFailure: () => control.stop(), clock, ...(plan ? { resumeAt: plan.unknown.from } : {}) }) : undefined;
  const session = replaySession(options);
  const giveUp = giveUpWatchFor(options.connection, clock, () => control.stop());
  const events = new ConnectionEvents([log && withSessionDetail(session.identity, (event) => log.event(event)), options.onEvent, giveUp?.handle]);
  // Our own id provider (MQTT.js's option): it knows which packet id carries which seq.
  const ids = new SeqMessageIds();
  let connection: MqttConnection | undefined;
  try {
    connection = await connectSession(session, { source: 'replay', onEvent: events.handle, clock, clientOptions: { messageIdProvider: ids }, ...(options.onClient ? { onClient: options.onClient } : {}) }, options.signal);
  } catch (error) {
    log?.discardIfFresh();
    throw error;
  }
  if (!connection) {
    log?.discardIfFresh();
    return emptySummary(profile);
  }
  const publisher = new MqttPublisher(connection.client, ids, { retain: Boolean(options.retain), v5: options.connection.protocolVersion === 5 });
  const run: Run = { options, clock, control, profile, template, keptRows: inspected.rows, plan, log, events, connection, publisher, giveUp, session };
  let summary: ReplaySummary;
  try {
    summary = await publishProfile(run);
  } finally {
    giveUp?.stop();
  }
  await endRandomSession(session, summary);
  return summary;
}

/** Pass 2: publishes, drains, ends the connection and the log, and sums up. */
async function publishProfile(run: Run): Promise<ReplaySummary> {
  const { options, clock, control, log } = run;
  const maxInflight = options.maxInflight ?? run.connection.brokerReceiveMaximum ?? DEFAULT_MAX_INFLIGHT;
  const window = new PublishWindow(run.publisher, {
    qos: options.qos,
    maxInflight,
    queueQos0: Boolean(options.queueQos0),
    clock,
    onFinal: (record) => {
      log?.complete(record);
      control.wakeUp();
    },
    onUnconfirmed: (record, why) => run.events.handle({ at: clock.now(), source: 'replay', event: 'error', detail: `seq ${record.seq} not acknowledged: ${why}` }),
    ...(log && options.qos === 2 ? { beforeHandOver: (seq: number) => log.handOver(seq) } : {}),
  });
  const stopListening = control.stopOn(options.signal);
  const schedule = scheduleFor(run);
  const progress = progressFor(run, window, schedule);
  const pacing = new PacingSplit();
  // Sends that waited out an outage are reported apart from pacing while connected.
  const unwatchLink = run.publisher.watch({ transmitted: () => {}, connected: () => pacing.cameBack(clock.now()), closed: () => pacing.wentDown() });
  const timing = { startAt: clock.now() };
  progress?.start();
  let error: unknown;
  try {
    await sendAndDrain(run, { window, schedule, pacing, progress, timing });
  } catch (e) {
    error = e;
  } finally {
    error ??= log?.failure;
    progress?.stop();
    stopListening();
    unwatchLink();
  }
  const endedAt = clock.now();
  progress?.tick(true);
  window.detach();
  const outstanding = window.outstanding();
  await run.connection.end(outstanding.length > 0 || control.stopped || error !== undefined);
  try {
    log?.finish(outstanding);
  } catch (closeError) {
    error ??= closeError;
  }
  if (error !== undefined) throw error;
  const summary = summaryOf(run, window, { durationMs: endedAt - timing.startAt, pacing });
  if (run.giveUp?.gaveUp) throw gaveUpError(describeBroker(options.connection), run.giveUp.downForMs, undoneText(summary, options.loop ?? 1));
  return summary;
}

interface LoopParts {
  window: PublishWindow;
  schedule: ScheduleInput;
  pacing: PacingSplit;
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
  const start = replayStart({ now: clock.now(), schedule: parts.schedule, resuming: Boolean(plan), shiftToNow: Boolean(options.shiftToNow), relative: profile.relative, profileFirstTime: profile.firstTime, ...(first ? { first } : {}) });
  parts.timing.startAt = start.startAt;
  if (parts.progress) parts.progress.startAt = start.startAt;
  options.onStart?.({ startAt: start.startAt, maxInflight: parts.window.maxInflight });
  const onSend = parts.progress && (() => parts.progress!.tick());
  const { onPacing } = options;
  const tee = (errorMs: number, plannedAt: number): void => {
    parts.pacing.add(errorMs, plannedAt);
    onPacing!(errorMs, plannedAt);
  };
  const pacing: PacingRecorder = onPacing ? { add: tee } : parts.pacing;
  await sendPaced({ clock, control, window: parts.window, records, schedule: parts.schedule, pacing, ...(onSend ? { onSend } : {}) }, rows, position, start);
  // Wait for what is still outstanding, unless stopped by a signal.
  await drain(clock, control, parts.window, options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
}

/** Relative profiles count from the replay's start (time 0 = start), so a first reading at 5 s waits 5 s. */
function scheduleFor({ options, profile }: Run): ScheduleInput {
  return { pacing: options.pacing, firstTime: profile.relative ? Math.min(0, profile.firstTime) : profile.firstTime, loopPeriodMs: loopPeriodMs(profile.durationMs, profile.distinctTimes) };
}

/** Without onProgress, no per-message progress bookkeeping at all. */
function progressFor(run: Run, window: PublishWindow, schedule: ScheduleInput): ProgressReporter | undefined {
  const { options, profile, plan } = run;
  if (!options.onProgress) return undefined;
  const loops = options.loop ?? 1;
  const skipped = plan ? plan.startSeq - 1 : 0;
  const total = loops === 0 ? undefined : Math.max(0, profile.rows * loops - skipped);
  const expectedMs = total === undefined ? undefined : expectedDurationMs(schedule, profile.lastTime, profile.rows, loops);
  const counts = () => ({ sent: window.sent, published: window.published, acknowledged: window.acknowledged, queued: window.queued, dropped: window.dropped, connected: run.publisher.connected, reconnects: run.events.reconnects });
  return new ProgressReporter(run.clock, options.onProgress, counts, { ...(total !== undefined ? { total } : {}), ...(expectedMs !== undefined ? { expectedMs } : {}) });
}

function summaryOf(run: Run, window: PublishWindow, end: { durationMs: number; pacing: PacingSplit }): ReplaySummary {
  const summary: ReplaySummary = {
    sent: window.sent,
    published: window.published,
    acknowledged: window.acknowledged,
    queued: window.queued,
    dropped: window.dropped,
    unconfirmed: window.unconfirmed,
    reconnects: run.events.reconnects,
    durationMs: end.durationMs,
    pacingErrorMs: end.pacing.connected.percentiles(),
    maxInflight: window.maxInflight,
    stoppedBy: run.control.stopped ? 'signal' : 'end',
    profile: run.profile,
  };
  if (run.log) {
    summary.log = run.log.sentPath;
    summary.events = run.log.eventsPath;
  }
  if (run.plan) summary.resumed = run.plan;
  if (run.session.identity) summary.session = run.session.identity;
  const { outage } = end.pacing;
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
  const planned = loops === 0 ? undefined : s.profile.rows * loops - (s.resumed ? s.resumed.startSeq - 1 : 0);
  const unsent = planned === undefined ? '' : `, ${Math.max(0, planned - s.sent)} never sent`;
  return `sent ${s.sent}, acknowledged ${s.acknowledged}, ${s.sent - s.published - s.dropped} unacknowledged${unsent}; the sent log is complete${s.log ? ` (${s.log})` : ''}`;
}

function emptySummary(profile: ProfileSummary): ReplaySummary {
  return { sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, unconfirmed: 0, reconnects: 0, durationMs: 0, pacingErrorMs: { p50: 0, p99: 0, max: 0 }, maxInflight: 0, stoppedBy: 'signal', profile };
}
