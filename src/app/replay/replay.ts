/**
 * Replay: publish a profile's readings to a broker in the profile's rhythm, and log what was
 * sent. Two streaming passes over the file: the first validates everything (nothing is
 * published from a bad file), the second publishes.
 */
import { rmSync } from 'node:fs';
import type { IClientPublishOptions } from 'mqtt';
import { usageError } from '../../core/errors.js';
import { PacingStats, type PacingPercentiles } from '../../core/schedule/pacing-stats.js';
import { encodeReading, userPropertiesFor, type PayloadFormat } from '../../core/mqtt/payload.js';
import type { ProfileFormatOptions } from '../../core/profile/format.js';
import { eventsPathFor, type ConnectionEvent, type ProfileRow, type Qos, type SentRecord } from '../../core/records.js';
import { expectedDurationMs, loopPeriodMs, plannedOffset, resumePlan, sentProfileTime, type Pacing, type ResumePlan, type ScheduleInput } from '../../core/schedule/schedule.js';
import { compileTopicTemplate, topicProblem, type TopicTemplate } from '../../core/mqtt/topic-template.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { openConnection, type ConnectionOptions, type MqttConnection } from '../../io/mqtt/connection.js';
import { inspectProfileKeepingRows, readProfileInTimeOrderBatches, type ProfileSummary } from '../../io/input/profile-reader.js';
import { handedOverPathFor, readSentLogState, SentLogWriter } from '../../io/logs/sent-log-writer.js';

export type { Pacing } from '../../core/schedule/schedule.js';

export interface ReplayOptions {
  profile: string;
  format?: ProfileFormatOptions;
  /** Topic template (`sensors/{sensor}/temperature`); optional when the profile has a topic column. */
  topic?: string;
  pacing: Pacing;
  qos: Qos;
  retain?: boolean;
  /** Passes over the profile (default 1); 0 repeats until stopped. */
  loop?: number;
  payloadFormat?: PayloadFormat;
  /** Move a historical profile so its first reading is now. */
  shiftToNow?: boolean;
  connection: ConnectionOptions;
  /** Most messages not yet final (unacknowledged QoS 1/2, unwritten QoS 0). Default: the broker's Receive Maximum, else 20. */
  maxInflight?: number;
  /** Keep QoS 0 messages while the broker is away and send them on reconnect (default: drop them). */
  queueQos0?: boolean;
  /** Sent log path; connection events go beside it (eventsPathFor). */
  log?: string;
  /**
   * Continue an earlier run from its sent log (appended, seq continues): starts after the last
   * logged seq. At QoS 2 the seqs the killed run had handed to the client but not logged as
   * acknowledged are not sent again (they are logged with an empty published_at); QoS 1 resends them.
   */
  resume?: boolean;
  /** After the last reading, how long to wait for outstanding acknowledgments (default 10 s). */
  drainTimeoutMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (progress: ReplayProgress) => void;
  onEvent?: (event: ConnectionEvent) => void;
  /** Called once the profile is validated, before connecting. */
  onValidated?: (summary: ProfileSummary) => void;
  /** Called at the replay's start time, once connected (experiment lines its broker actions up on this). */
  onStart?: (info: { startAt: number; maxInflight: number }) => void;
}

export interface ReplayProgress {
  sent: number;
  published: number;
  acknowledged: number;
  queued: number;
  dropped: number;
  /** Readings the whole replay will send; undefined when looping until stopped. */
  total?: number;
  elapsedMs: number;
  /** Estimated time left; undefined when unknown. */
  etaMs?: number;
  /** Published per second since the start. */
  rate: number;
  connected: boolean;
  reconnects: number;
}

export interface ReplaySummary {
  /** Handed to the MQTT client. */
  sent: number;
  /** Left on the wire (QoS 0) or acknowledged (QoS 1/2). */
  published: number;
  acknowledged: number;
  /** Handed over but neither published nor dropped at the end (still in the client's queue). */
  queued: number;
  /** QoS 0 readings that came due while the broker was away (without queueQos0), or failed to write. */
  dropped: number;
  reconnects: number;
  durationMs: number;
  /** |actual send − planned send|; zeros with --max. */
  pacingErrorMs: PacingPercentiles;
  maxInflight: number;
  stoppedBy: 'end' | 'signal';
  profile: ProfileSummary;
  log?: string;
  events?: string;
  /** With resume: where this run started and what it did not send again. */
  resumed?: ResumePlan;
}

/** Yield to I/O after this many sends that did not wait for a timer (a backlog, or --max). */
const SENDS_PER_YIELD = 64;
/** Gaps longer than this are bridged by an interruptible nap first (Ctrl+C during a slow profile). */
const SLEEP_SLICE_MS = 1000;
const PROGRESS_EVERY_MS = 100;
/** Profiles up to this many readings (~15 MB) are parsed once and replayed from memory. */
const KEEP_ROWS = 250_000;

/** Topics of templates that use only {sensor}/{topic}, rendered once per sensor and topic. */
const PER_ROW_FIELDS = ['seq', 'value', 'time', 'pass'] as const;
const renderedTopics = new WeakMap<TopicTemplate, Map<string, string>>();

function topicFor(template: TopicTemplate | undefined, row: ProfileRow, seq: number, profileTime: number, pass: number): string {
  if (!template) return row.topic!;
  if (!PER_ROW_FIELDS.some((f) => template.fields.has(f))) {
    let cache = renderedTopics.get(template);
    if (!cache) renderedTopics.set(template, (cache = new Map()));
    const key = row.topic === undefined ? row.sensor : `${row.sensor}\u0000${row.topic}`;
    let topic = cache.get(key);
    if (topic === undefined) {
      topic = template.render({ sensor: row.sensor, topic: row.topic ?? '' });
      // Bounded: a profile with very many sensors just renders again.
      if (cache.size < 10_000) cache.set(key, topic);
    }
    return topic;
  }
  return template.render({ sensor: row.sensor, seq, value: row.value, time: Math.round(profileTime), pass: pass + 1, topic: row.topic ?? '' });
}

/**
 * Readings over every pass, tagged with their pass, taken from batches: take() is synchronous
 * while the current batch lasts, so the publish loop awaits once per batch, not once per row.
 */
class PassCursor {
  private readonly batches: AsyncGenerator<{ rows: ProfileRow[]; pass: number }>;
  private rows: ProfileRow[] = [];
  private at = 0;
  private pass = 0;
  done = false;

  constructor(profile: string, summary: ProfileSummary, format: ProfileFormatOptions, count: number, stopped: () => boolean, kept?: ProfileRow[]) {
    this.batches = (async function* () {
      for (let pass = 0; count === 0 || pass < count; pass++) {
        for await (const rows of kept ? [kept] : readProfileInTimeOrderBatches(profile, summary, format)) {
          if (stopped()) return;
          yield { rows, pass };
        }
        if (stopped()) return;
      }
    })();
  }

  take(): { row: ProfileRow; pass: number } | undefined {
    const row = this.rows[this.at];
    if (row === undefined) return undefined;
    this.at++;
    return { row, pass: this.pass };
  }

  /** The next row, reading the next batch first when needed; undefined at the end. */
  async next(): Promise<{ row: ProfileRow; pass: number } | undefined> {
    for (;;) {
      const item = this.take();
      if (item || this.done) return item;
      const next = await this.batches.next();
      if (next.done) {
        this.done = true;
        return undefined;
      }
      this.rows = next.value.rows;
      this.pass = next.value.pass;
      this.at = 0;
    }
  }

  async close(): Promise<void> {
    this.done = true;
    await this.batches.return(undefined);
  }
}

export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const clock = options.clock ?? systemClock;
  const signal = options.signal;
  const format = options.format ?? {};
  const loops = options.loop ?? 1;
  const payloadFormat = options.payloadFormat ?? 'plain';
  const retain = Boolean(options.retain);
  const qos = options.qos;
  const v5 = options.connection.protocolVersion === 5;
  if (!Number.isInteger(loops) || loops < 0) throw usageError(`--loop: expected a whole number ≥ 0 (found "${loops}")`);
  if (options.maxInflight !== undefined && (!Number.isInteger(options.maxInflight) || options.maxInflight < 1)) throw usageError('--max-inflight: expected a whole number ≥ 1');
  const template = options.topic === undefined ? undefined : compileTopicTemplate(options.topic);

  // Pass 1: the whole file is read and checked before anything is published.
  const inspected = await inspectProfileKeepingRows(options.profile, signal ? { ...format, signal } : format, KEEP_ROWS);
  const profile = inspected.summary;
  if (profile.stopped) return emptySummary(profile);
  if (!template && !profile.hasTopics) throw usageError('-t/--topic is required (the profile has no topic column)');
  if (template) {
    for (const { name } of profile.sensors) {
      const topic = template.render({ sensor: name, seq: 1, value: 0, time: 0, pass: 1, topic: 'topic' });
      const problem = topicProblem(topic);
      if (problem) throw usageError(`--topic: sensor "${name}" gives the topic "${topic}": ${problem}`);
    }
  }
  options.onValidated?.(profile);
  if (signal?.aborted) return emptySummary(profile);

  const bufferedEvents: ConnectionEvent[] = [];
  let eventsWriter: EventsWriter | undefined;
  let connectedOnce = false;
  let reconnects = 0;
  const onEvent = (event: ConnectionEvent): void => {
    if (event.event === 'connect') {
      if (connectedOnce) reconnects++;
      connectedOnce = true;
    }
    if (eventsWriter) eventsWriter.write(event);
    else bufferedEvents.push(event);
    options.onEvent?.(event);
  };

  if (options.resume && !options.log) throw usageError('--resume needs --log (the sent log to continue)');
  let plan: ResumePlan | undefined;
  if (options.resume && options.log) {
    const state = await readSentLogState(options.log);
    plan = resumePlan(qos, state.lastSeq, qos === 2 ? state.handedOver : undefined);
  }
  // The log is opened (and its header written) before connecting: an unwritable log fails
  // before anything is published.
  let log: SentLogWriter | undefined;
  // A log that cannot be written any more (a full disk) ends the replay with its error (exit 2):
  // a timed flush has no caller, and a flush inside an MQTT.js callback must not throw into it.
  let logFailure: unknown;
  const onLogFailure = (failure: unknown): void => {
    logFailure ??= failure;
    stopped = true;
    wakeUp();
  };
  if (options.log) {
    log = new SentLogWriter(options.log, { append: Boolean(plan), startSeq: plan ? plan.unknown.from : 1, handedOverMark: qos === 2, onError: onLogFailure });
    try {
      eventsWriter = new EventsWriter(eventsPathFor(options.log), { append: Boolean(plan) });
    } catch (error) {
      log.close();
      throw error;
    }
  }
  let connection: MqttConnection;
  // A fresh log of a run that never reached the broker would only say nothing happened.
  const discardFreshLog = (): void => {
    log?.close();
    eventsWriter?.close();
    if (options.log && !plan) for (const path of [options.log, handedOverPathFor(options.log), eventsPathFor(options.log)]) rmSync(path, { force: true });
  };
  try {
    const opening = openConnection(options.connection, { source: 'replay', onEvent, clock });
    // Ctrl+C while the broker is still unreachable stops now, not at the connect timeout.
    const interrupted = new Promise<undefined>((resolve) => {
      if (signal?.aborted) resolve(undefined);
      signal?.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const opened = await Promise.race([opening, interrupted]);
    if (opened === undefined) {
      opening.then((late) => late.end(true), () => undefined);
      discardFreshLog();
      return emptySummary(profile);
    }
    connection = opened;
  } catch (error) {
    discardFreshLog();
    throw error;
  }
  const client = connection.client;
  try {
    for (const e of bufferedEvents) eventsWriter?.write(e);
  } catch (error) {
    await connection.end(true);
    throw error;
  }

  const maxInflight = options.maxInflight ?? connection.brokerReceiveMaximum ?? 20;
  const pacing = new PacingStats();
  const pending = new Map<number, SentRecord>();
  const idToSeq = new Map<number, number>();
  const seqToId = new Map<number, number>();
  // MQTT.js assigns packet ids inside publish(), possibly later (while it resends its store after
  // a reconnect); allocations happen in publish order, so a FIFO pairs them with our seqs.
  const awaitingId: number[] = [];
  const provider = client.messageIdProvider;
  const allocate = provider.allocate.bind(provider);
  provider.allocate = () => {
    const id = allocate();
    const seq = id === null ? undefined : awaitingId.shift();
    if (id !== null && seq !== undefined) {
      idToSeq.set(id, seq);
      seqToId.set(seq, id);
    }
    return id;
  };
  const onPacketSend = (packet: { cmd: string; qos?: number; messageId?: number }): void => {
    if (packet.cmd !== 'publish' || !packet.qos || packet.messageId === undefined) return;
    const seq = idToSeq.get(packet.messageId);
    const record = seq === undefined ? undefined : pending.get(seq);
    // A resend after a reconnect moves published_at to the transmission that got acknowledged.
    if (record) record.publishedAt = clock.now();
  };
  client.on('packetsend', onPacketSend);

  let sent = 0;
  let published = 0;
  let acknowledged = 0;
  let dropped = 0;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const finalize = (record: SentRecord): void => {
    pending.delete(record.seq);
    const id = seqToId.get(record.seq);
    if (id !== undefined) {
      seqToId.delete(record.seq);
      if (idToSeq.get(id) === record.seq) idToSeq.delete(id);
    }
    try {
      log?.complete(record);
    } catch (failure) {
      onLogFailure(failure);
    }
    wakeUp();
  };

  const qos0Queue: SentRecord[] = [];
  const publishOptions = (record: SentRecord, sentAt: number): IClientPublishOptions => {
    const opts: IClientPublishOptions = { qos: record.qos, retain };
    if (v5) opts.properties = { userProperties: userPropertiesFor({ seq: record.seq, sensor: record.sensor, time: record.profileTime, value: record.value }, sentAt) };
    return opts;
  };
  // QoS 0 messages in MQTT.js's hands. A publish that met a full socket waits for 'drain'; if the
  // connection drops first, that callback never comes, and the stranded records would hold the
  // in-flight window shut for good. On close they count as dropped (what left is unknowable).
  const qos0InClient = new Set<SentRecord>();
  const sendQos0 = (record: SentRecord, sentAt: number): void => {
    qos0InClient.add(record);
    client.publish(record.topic, record.payload, publishOptions(record, sentAt), (error) => {
      if (!qos0InClient.delete(record)) return;
      if (error) dropped++;
      else {
        record.publishedAt = clock.now();
        published++;
      }
      finalize(record);
    });
  };
  const dropStrandedQos0 = (): void => {
    for (const record of qos0InClient) {
      dropped++;
      finalize(record);
    }
    qos0InClient.clear();
  };
  client.on('close', dropStrandedQos0);
  const flushQos0Queue = (): void => {
    while (qos0Queue.length > 0 && client.connected) {
      const record = qos0Queue.shift()!;
      sendQos0(record, clock.now());
    }
  };
  client.on('connect', flushQos0Queue);

  const publish = (record: SentRecord, sentAt: number): void => {
    sent++;
    pending.set(record.seq, record);
    if (qos === 0) {
      if (client.connected) sendQos0(record, sentAt);
      else if (options.queueQos0) qos0Queue.push(record);
      else {
        dropped++;
        finalize(record);
      }
      return;
    }
    awaitingId.push(record.seq);
    if (log && qos === 2) {
      // Log first, then the mark: after a SIGKILL, (last logged, mark] is what may have left unlogged.
      log.flush();
      log.markHandedOver(record.seq);
    }
    client.publish(record.topic, record.payload, publishOptions(record, sentAt), (error) => {
      // An error here means the client was ended with the message outstanding: it stays queued.
      if (error || !pending.has(record.seq)) return;
      record.ackedAt = clock.now();
      record.publishedAt ??= record.ackedAt;
      acknowledged++;
      published++;
      finalize(record);
    });
  };

  let stopped = false;
  const onAbort = (): void => {
    stopped = true;
    wakeUp();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) stopped = true;

  /**
   * Waits until about `at` or until something wakes the loop (abort, a finished message). A plain
   * timer: naps only bridge long gaps, the precise last stretch is the clock's sleepUntil.
   */
  const napUntil = async (at: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (wake === done) wake = undefined;
        resolve();
      }, Math.max(0, at - clock.now()));
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      wake = done;
    });
  };
  const waitUntil = async (at: number): Promise<boolean> => {
    for (;;) {
      if (stopped) return false;
      const left = at - clock.now();
      if (left <= 0) return true;
      if (left > SLEEP_SLICE_MS) await napUntil(at - SLEEP_SLICE_MS / 2);
      else {
        await clock.sleepUntil(at);
        return !stopped;
      }
    }
  };
  const waitForWindow = async (): Promise<void> => {
    while (!stopped && pending.size >= maxInflight) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  };

  const skipped = plan ? plan.startSeq - 1 : 0;
  const total = loops === 0 ? undefined : Math.max(0, profile.rows * loops - skipped);
  // Relative profiles count from the replay's start (time 0 = start), so a first reading at 5 s waits 5 s.
  const schedule: ScheduleInput = { pacing: options.pacing, firstTime: profile.relative ? Math.min(0, profile.firstTime) : profile.firstTime, loopPeriodMs: loopPeriodMs(profile.durationMs, profile.distinctTimes) };
  const expected = total === undefined ? undefined : expectedDurationMs(schedule, profile.lastTime, profile.rows, loops);
  let startAt = clock.now();
  let lastProgress = Number.NEGATIVE_INFINITY;
  const progress = (force = false): void => {
    if (!options.onProgress) return;
    const now = clock.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    const elapsedMs = now - startAt;
    const rate = elapsedMs > 0 ? published / (elapsedMs / 1000) : 0;
    const p: ReplayProgress = { sent, published, acknowledged, queued: sent - published - dropped, dropped, elapsedMs, rate, connected: client.connected, reconnects };
    if (total !== undefined) {
      p.total = total;
      if (expected !== undefined) p.etaMs = Math.max(0, expected - elapsedMs);
      else if (rate > 0) p.etaMs = ((total - published) / rate) * 1000;
    }
    options.onProgress(p);
  };
  const progressTimer = options.onProgress ? setInterval(() => progress(), 250) : undefined;
  progressTimer?.unref();

  let error: unknown;
  try {
    const rows = new PassCursor(options.profile, profile, format, loops, () => stopped, inspected.rows);
    let item = rows.take() ?? (await rows.next());
    let index = 0;
    // Resuming: rows an earlier run logged are passed over; the ones it may have sent unlogged
    // are logged as such (seq stays continuous) but not sent.
    while (plan && item && index + 1 < plan.startSeq && !stopped) {
      const { row, pass } = item;
      const seq = index + 1;
      if (seq >= plan.unknown.from && log) {
        const profileTime = sentProfileTime({ time: row.time, pass, loopPeriodMs: schedule.loopPeriodMs, relative: profile.relative, startAt: clock.now(), shiftMs: 0 });
        log.complete({ seq, sensor: row.sensor, topic: topicFor(template, row, seq, profileTime, pass), qos, retain, profileTime, value: row.value, plannedAt: clock.now(), payload: encodeReading(payloadFormat, { seq, sensor: row.sensor, time: profileTime, value: row.value }, clock.now()) });
      }
      index++;
      item = rows.take() ?? (await rows.next());
    }
    // The first row is in hand before the clock starts, so reading the file never delays it.
    startAt = clock.now() + 1;
    if (plan && item) startAt -= plannedOffset(schedule, item.row.time, index, item.pass) ?? 0;
    const shiftMs = options.shiftToNow && !profile.relative ? startAt - profile.firstTime : 0;
    options.onStart?.({ startAt, maxInflight });
    let sendsWithoutWait = 0;
    while (item && !stopped) {
      const { row, pass } = item;
      const offset = plannedOffset(schedule, row.time, index, pass);
      await waitForWindow();
      if (stopped) break;
      let plannedAt: number;
      if (offset === undefined) plannedAt = clock.now();
      else {
        plannedAt = startAt + offset;
        if (plannedAt > clock.now()) {
          sendsWithoutWait = 0;
          if (!(await waitUntil(plannedAt))) break;
        }
      }
      const sentAt = clock.now();
      if (offset !== undefined) pacing.add(sentAt - plannedAt);
      const seq = index + 1;
      const profileTime = sentProfileTime({ time: row.time, pass, loopPeriodMs: schedule.loopPeriodMs, relative: profile.relative, startAt, shiftMs });
      const record: SentRecord = {
        seq,
        sensor: row.sensor,
        topic: topicFor(template, row, seq, profileTime, pass),
        qos,
        retain,
        profileTime,
        value: row.value,
        plannedAt,
        payload: encodeReading(payloadFormat, { seq, sensor: row.sensor, time: profileTime, value: row.value }, sentAt),
      };
      publish(record, sentAt);
      index++;
      progress();
      if (++sendsWithoutWait >= SENDS_PER_YIELD) {
        sendsWithoutWait = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      // Synchronous while the batch lasts: no promise per row.
      item = rows.take() ?? (await rows.next());
    }
    if (!rows.done) await rows.close();

    // Wait for what is still outstanding, unless stopped by a signal.
    const drainUntil = clock.now() + (options.drainTimeoutMs ?? 10_000);
    while (!stopped && pending.size > 0 && clock.now() < drainUntil) await napUntil(Math.min(drainUntil, clock.now() + 100));
  } catch (e) {
    error = e;
  } finally {
    error ??= logFailure;
    if (progressTimer) clearInterval(progressTimer);
    signal?.removeEventListener('abort', onAbort);
  }
  const endedAt = clock.now();
  progress(true);
  client.removeListener('connect', flushQos0Queue);
  client.removeListener('close', dropStrandedQos0);
  const outstanding = [...pending.values()];
  await connection.end(outstanding.length > 0 || stopped || error !== undefined);
  client.removeListener('packetsend', onPacketSend);
  try {
    log?.finish(outstanding);
    log?.close();
    eventsWriter?.close();
  } catch (closeError) {
    error ??= closeError;
  }
  if (error !== undefined) throw error;

  const summary: ReplaySummary = {
    sent,
    published,
    acknowledged,
    queued: sent - published - dropped,
    dropped,
    reconnects,
    durationMs: endedAt - startAt,
    pacingErrorMs: pacing.percentiles(),
    maxInflight,
    stoppedBy: stopped ? 'signal' : 'end',
    profile,
  };
  if (log) summary.log = log.path;
  if (eventsWriter) summary.events = eventsWriter.path;
  if (plan) summary.resumed = plan;
  return summary;
}

function emptySummary(profile: ProfileSummary): ReplaySummary {
  return { sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, reconnects: 0, durationMs: 0, pacingErrorMs: { p50: 0, p99: 0, max: 0 }, maxInflight: 0, stoppedBy: 'signal', profile };
}
