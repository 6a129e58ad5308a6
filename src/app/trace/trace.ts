import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { optionError } from '../../core/errors.js';
import type { MqttClient } from 'mqtt';
import type { ParsedFilter } from '../../core/mqtt/topic-filter.js';
import { eventsPathFor, type ConnectionEvent, type Qos, type TraceRecord } from '../../core/records.js';
import type { LineMessage } from '../../core/trace/line-format.js';
import { Qos2Dedupe } from '../../core/trace/qos2-dedupe.js';
import { StopLatch } from '../../core/trace/stop-latch.js';
import { checkTraceOptions } from '../../core/trace/trace-options.js';
import { TraceTally, type TraceStopReason, type TraceSummary } from '../../core/trace/trace-tally.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { describeBroker, openConnection, type ConnectionOptions, type MqttConnection } from '../../io/mqtt/connection.js';
import { gaveUpError, GiveUpWatch } from '../../io/mqtt/give-up.js';
import { ackHandlerOption } from '../../io/mqtt/mqttjs-internals.js';
import { subscribeAcrossReconnects } from '../../io/mqtt/subscribe-across-reconnects.js';
import { Recorder } from './recorder.js';
import { IdleTimer, startDurationTimer } from './stop-timers.js';
import { TraceSubscription } from './subscription.js';
import { closeTraceConnection, connectUnlessStopped } from './trace-connection.js';
import { closeKeepingError, openTraceFiles, removeTraceFiles, TraceEventLog, type TraceFiles } from './trace-files.js';
import { warmUp } from './warm-up.js';
import { SysRecorder } from '../sys/sys-recorder.js';

export type { TraceStopReason, TraceSummary } from '../../core/trace/trace-tally.js';

export interface TraceOptions {
  /** Topic filters to subscribe to (`+`, `#`, `$share/<group>/...`). */
  filters: string[];
  /** Topics matching any of these are received but not recorded (mosquitto_sub -T). */
  exclude?: string[];
  /** Maximum QoS requested for every filter. */
  qos: Qos;
  /** Trace file (CSV, or JSON lines with jsonl); events go to eventsPathFor(output). */
  output?: string;
  jsonl?: boolean;
  append?: boolean;
  fsync?: boolean;
  flushIntervalMs?: number;
  /** Stop after this many recorded messages. */
  count?: number;
  /** Stop when nothing arrived for this long (counted from the subscription). */
  idleMs?: number;
  /** Stop this long after the subscription. */
  durationMs?: number;
  /** Skip messages delivered with the retain flag (stale values sent at subscribe time). */
  skipRetained?: boolean;
  connection: ConnectionOptions;
  signal?: AbortSignal;
  clock?: Clock;
  /**
   * Each recorded message, after its row is handed to the writer. Returning a promise holds the
   * acknowledgement (and the next message) until it settles: back-pressure from a slow stdout.
   */
  onMessage?(record: TraceRecord, message: LineMessage): void | Promise<void>;
  /** Run the message path on synthetic messages before subscribing (default true; see warm-up.ts). */
  warmUp?: boolean;
  /** After the first SUBACK: the tracer is subscribed, publishers can start. */
  onReady?(): void;
  onEvent?(event: ConnectionEvent): void;
  /** When stopping: how long recorded QoS 2 messages may take to finish PUBREL/PUBCOMP (default 1000 ms). */
  stopQos2WaitMs?: number;
  /** When stopping: how long to wait for a clean DISCONNECT before dropping the connection (default 2000 ms). */
  stopCloseWaitMs?: number;
  /** The MQTT client as soon as it exists: an experiment holds it offline during a broker restart. */
  onClient?(client: MqttClient): void;
  /** Also record the broker's `$SYS` counters to this file, by a client of its own (app/sys/sys-recorder.ts). */
  sys?: string;
}

/** MQTT 5 Receive Maximum the tracer announces unless told otherwise: the protocol's largest. */
export const RECEIVE_MAXIMUM = 65535;

/** One trace's parts, wired together by trace(). */
interface TraceRun {
  options: TraceOptions;
  filters: ParsedFilter[];
  clock: Clock;
  startedAt: number;
  latch: StopLatch<TraceStopReason>;
  files: TraceFiles;
  tally: TraceTally;
  log: TraceEventLog;
  dedupe: Qos2Dedupe;
  recorder: Recorder;
  idle?: IdleTimer;
  cancelDuration?: () => void;
  /** The client as soon as it exists (to end it on Ctrl+C before it connects). */
  claimed?: MqttClient;
  /** The connection once adopted (connected before the trace was stopped). */
  connection?: MqttConnection;
  giveUp?: GiveUpWatch;
  sys?: SysRecorder;
}

/**
 * Records every message on the filters. A QoS 1/2 message is acknowledged to the broker only
 * after its row is in the file (Recorder, AckAfterWrite; QoS 2 before PUBREC, deduplicated by
 * packet id until PUBREL), so whatever the broker considers delivered is in the trace — and
 * every way of stopping (count, idle, duration, signal) flushes the rows and closes the file whole.
 */
export async function trace(options: TraceOptions): Promise<TraceSummary> {
  const run = prepare(options);
  const { latch } = run;
  const signal = options.signal;
  const onAbort = (): void => {
    if (!run.connection) run.claimed?.end(true);
    latch.stop('signal');
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let summary: TraceSummary | undefined;
  try {
    if (signal?.aborted) latch.stop('signal');
    else await connectAndRecord(run);
  } catch (error) {
    latch.keep(error);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    summary = await finish(run);
  }
  run.giveUp?.stop();
  if (run.giveUp?.gaveUp) throw gaveUpError(describeBroker(options.connection), run.giveUp.downForMs, `recorded ${summary.received}; the trace is complete`);
  const fatal = latch.fatal;
  if (fatal !== undefined) {
    if (!run.connection && !options.append) removeTraceFiles(run.files, summary.sys?.output);
    throw fatal.error;
  }
  return summary;
}

/** Checks the options, opens the files and wires the parts; nothing is connected yet. */
function prepare(options: TraceOptions): TraceRun {
  const { filters, exclude } = checkTraceOptions(options);
  const clock = options.clock ?? systemClock;
  const latch = new StopLatch<TraceStopReason>('signal');
  const fail = (error: unknown): void => latch.fail(error);
  checkSysPath(options);
  const files = openTraceFiles(options, fail);
  const tally = new TraceTally();
  const dedupe = new Qos2Dedupe();
  const log = new TraceEventLog(clock, tally, files.events, options.onEvent, fail);
  const idle = options.idleMs === undefined ? undefined : new IdleTimer(clock, options.idleMs, () => latch.stop('idle'));
  const rules = { exclude, skipRetained: options.skipRetained ?? false };
  const onMessage = options.onMessage?.bind(options);
  const recorder = new Recorder({ clock, latch, tally, dedupe, rules, ...optional({ writer: files.writer, idle, count: options.count, onMessage }) });
  // Rows go to disk before anything else when stopping: the connection may take a moment to
  // close. Then the acknowledgements of those rows, so the next session does not get them again.
  latch.onStop(() => recorder.flushAndRelease());
  const after = options.connection.giveUpAfterMs;
  const giveUp = after === undefined ? undefined : new GiveUpWatch(clock, after, () => latch.stop('signal'));
  const sys = openSysRecorder(options, clock, files);
  return { options, filters, clock, startedAt: clock.now(), latch, files, tally, log, dedupe, recorder, ...optional({ idle, giveUp, sys }) };
}

/** The $SYS recorder of `sys`, its file opened (checked before any work); the trace's files removed if it cannot be. */
function openSysRecorder(options: TraceOptions, clock: Clock, files: TraceFiles): SysRecorder | undefined {
  if (options.sys === undefined) return undefined;
  try {
    return new SysRecorder({ connection: options.connection, output: options.sys, clock, ...optional({ flushIntervalMs: options.flushIntervalMs, append: options.append }) });
  } catch (error) {
    files.writer?.close();
    files.events?.close();
    if (!options.append) removeTraceFiles(files);
    throw error;
  }
}

/** The $SYS file is neither the trace nor its events file. */
function checkSysPath(options: TraceOptions): void {
  if (options.sys === undefined || options.output === undefined) return;
  if ([options.output, eventsPathFor(options.output)].some((p) => resolve(p) === resolve(options.sys!))) {
    throw optionError('sys', 'the $SYS file must differ from the trace file and its events file');
  }
}

/** Connects, subscribes, and records until something stops the trace. */
async function connectAndRecord(run: TraceRun): Promise<void> {
  const { options, latch, clock } = run;
  const clientId = options.connection.clientId ?? `st-trace-${randomBytes(6).toString('hex')}`;
  const protocolVersion = options.connection.protocolVersion ?? 4;
  // MQTT 5: a large Receive Maximum lets the broker keep more in flight to us instead of queueing
  // (Mosquitto drops what passes max_queued_messages while the window is full). 3.1.1 has no such
  // thing: Mosquitto's max_inflight_messages applies.
  const receiveMaximum = options.connection.receiveMaximum ?? RECEIVE_MAXIMUM;
  // Compiled code before the first real message (a burst may follow the SUBACK at once): see warm-up.ts.
  if (options.warmUp !== false) await warmUp({ qos: options.qos, protocolVersion, jsonl: options.jsonl ?? false, connection: { ...options.connection, receiveMaximum }, until: latch.stopped });
  if (latch.stopping) return;
  // The recorder attaches before any packet is read: a persistent session's queued messages,
  // handed over before openConnection() resolves, are recorded before they are acknowledged.
  const opening = openConnection(
    { ...options.connection, clientId, receiveMaximum },
    {
      source: 'trace',
      onEvent: run.giveUp ? (event) => (run.log.emit(event), run.giveUp!.handle(event)) : run.log.emit,
      clock,
      clientOptions: ackHandlerOption(run.recorder.handleAcks),
      ...optional({ signal: options.signal }),
      onClient: (client) => {
        run.claimed = client;
        run.recorder.attach(client);
        options.onClient?.(client);
      },
    },
  );
  // An abort ends the attempt (no timer left behind); that rejection is the stop, not a failure.
  const connection = await connectUnlessStopped(
    opening.catch((error: unknown) => (latch.stopping ? undefined : Promise.reject(error))),
    latch.stopped,
  );
  if (connection) run.connection = connection;
  if (!connection || latch.stopping) return;
  // The broker's own view beside the trace: its client never holds the trace up (a failure is kept on its summary).
  void run.sys?.start();
  const subscription = new TraceSubscription(connection.client, run.filters, options.qos);
  subscription.resubscribeAfterLostSession(
    () => !latch.stopping,
    (kind, detail) => run.log.note(kind, detail),
  );
  const granted = await subscribeAcrossReconnects(connection.client, () => subscription.subscribe(), latch.stopped);
  if (!granted) return;
  run.log.note('subscribe', subscription.confirm(granted));
  run.idle?.touch();
  if (options.durationMs !== undefined) run.cancelDuration = startDurationTimer(clock, options.durationMs, () => latch.stop('duration'));
  options.onReady?.();
  await latch.stopped;
}

/** Stops everything, flushes and closes the files, ends the connection; the summary. */
async function finish(run: TraceRun): Promise<TraceSummary> {
  const { latch, files, tally } = run;
  latch.stop('signal'); // already stopped unless an error ended the run: no-op then
  const sys = run.sys?.stop();
  run.idle?.stop();
  run.cancelDuration?.();
  closeKeepingError(files.writer, latch);
  if (run.connection) await closeTraceConnection(run.connection, run.dedupe, run.clock, { ...optional({ qos2Ms: run.options.stopQos2WaitMs, closeMs: run.options.stopCloseWaitMs }) });
  const summary = tally.summary({
    written: files.writer?.rowsWritten ?? 0,
    durationMs: run.clock.now() - run.startedAt,
    stoppedBy: latch.reason ?? 'signal',
    ...optional({ output: files.writer?.path, eventsPath: files.events?.path }),
  });
  if (sys) summary.sys = sys;
  if (run.connection) run.log.note('close', `stopped by ${summary.stoppedBy}: ${summary.received} recorded`);
  closeKeepingError(files.events, latch);
  return summary;
}

/** The entries whose value is defined (exactOptionalPropertyTypes forbids `key: undefined`). */
function optional<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
