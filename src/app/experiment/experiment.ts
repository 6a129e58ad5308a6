/**
 * Experiment: the tutorial's exercise 5 ("stop the broker, start it again: what happens?") as
 * one command. For each run of the matrix it starts a broker it controls, a tracer with a
 * persistent session, the replayer, applies the restart schedule, waits (bounded) for the
 * stream to drain, stops everything, and compares sent against received. The report files are
 * written by the caller from the returned runs (see writeExperimentReports).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareReport } from '../../core/compare/report.js';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import { describeRestarts, estimateReplayMs, estimateRunMs, expandMatrix, type RunSpec, type Scenario, type ScenarioBroker } from '../../core/scenario/scenario.js';
import type { ReportRunInput } from '../../core/report/model.js';
import { writeExperimentReports, type ReportFiles } from '../../io/output/report-writer.js';
import { createBrokerControl, type BrokerControl, type BrokerSpec } from '../../io/broker/broker-control.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import { inspectProfile } from '../../io/input/profile-reader.js';
import { compare, type CompareFormat } from '../compare/compare.js';
import { replay, type ReplaySummary } from '../replay/replay.js';
import { trace, type TraceSummary } from '../trace/trace.js';

export type ExperimentPhase = 'broker' | 'tracer' | 'replay' | 'broker down' | 'drain' | 'compare' | 'done';

export interface ExperimentProgress {
  run: RunSpec;
  total: number;
  phase: ExperimentPhase;
  sent: number;
  received: number;
  /** Estimated time left for the whole experiment. */
  etaMs: number;
}

export interface ExperimentOptions {
  scenario: Scenario;
  /** The profile, resolved (the scenario holds it as written). */
  profile: string;
  outDir: string;
  /** Settings for clients (credentials, TLS) — the URL comes from the broker under test. */
  connection?: Omit<ConnectionOptions, 'url' | 'host' | 'port' | 'clientId' | 'clean'>;
  /** Only these runs (default: the whole matrix). */
  runs?: RunSpec[];
  /** How to run the embedded broker child (default: node dist/cli/bin.js). */
  brokerCommand?: string[];
  /** Chart formats compare renders per run (default svg, png). */
  chartFormats?: CompareFormat[];
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (progress: ExperimentProgress) => void;
  onLog?: (line: string) => void;
  /** After each run (its report files are already rewritten). */
  onRunDone?: (run: ExperimentRun) => void;
  /** A paragraph for the top of the report. */
  description?: string;
}

export interface ExperimentRun {
  spec: RunSpec;
  /** Absolute folder of the run. */
  dir: string;
  report?: CompareReport;
  /** Chart and data files compare wrote. */
  files: string[];
  replay?: ReplaySummary;
  trace?: TraceSummary;
  brokerEvents: ConnectionEvent[];
  error?: string;
  /** The error's code (E_BROKER, E_UNREACHABLE, ...), when the run failed. */
  errorCode?: string;
  durationMs: number;
}

export interface ExperimentResult {
  scenario: Scenario;
  runs: ExperimentRun[];
  interrupted: boolean;
  startedAt: number;
  durationMs: number;
  reports: ReportFiles;
}

function brokerSpecFor(broker: ScenarioBroker): BrokerSpec {
  switch (broker.kind) {
    case 'embedded':
      return { kind: 'embedded', persistence: broker.persistence, autosaveIntervalS: broker.autosaveIntervalS };
    case 'mosquitto':
      return { kind: 'mosquitto', persistence: broker.persistence, autosaveIntervalS: broker.autosaveIntervalS };
    case 'external': {
      const spec: BrokerSpec = { kind: 'external', url: broker.url };
      if (broker.stopCommand) spec.stopCommand = broker.stopCommand;
      if (broker.startCommand) spec.startCommand = broker.startCommand;
      if (broker.killCommand) spec.killCommand = broker.killCommand;
      return spec;
    }
  }
}

/** `sensors/{sensor}/temperature` → `sensors/#`: everything the template can produce. */
export function filterForTemplate(template: string): string {
  const levels = template.split('/');
  const fixed: string[] = [];
  for (const level of levels) {
    if (level.includes('{') || level.includes('+') || level.includes('#')) break;
    fixed.push(level);
  }
  if (fixed.length === levels.length) return template;
  return [...fixed, '#'].join('/');
}

/** Resolves at `at`, or early when the signal aborts (then returns false). */
async function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // Long waits in slices so an abort is never stuck behind a far-off timer.
  await Promise.race([clock.sleepUntil(at), aborted]);
  signal.removeEventListener('abort', onAbort!);
  return !signal.aborted;
}

/** A child controller aborted with its parent; unlink() drops the parent's listener (one per run adds up). */
function linkedController(parent: AbortSignal | undefined): AbortController & { unlink: () => void } {
  const controller = new AbortController();
  const follow = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', follow, { once: true });
  return Object.assign(controller, { unlink: () => parent?.removeEventListener('abort', follow) });
}

export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const clock = options.clock ?? systemClock;
  const scenario = options.scenario;
  const runs = options.runs ?? expandMatrix(scenario);
  const startedAt = clock.now();
  if (options.connection?.protocolVersion === 5 && runs.some((r) => r.broker.kind === 'embedded')) {
    throw new SensortraceError('the embedded broker (aedes) speaks MQTT 3.1.1 only: use -V 3.1.1, or --broker mosquitto for MQTT 5', 'E_USAGE');
  }
  // A bad profile fails here, before any broker is started (replay would refuse it anyway).
  const profile = await inspectProfile(options.profile, scenario.profileFormat);
  mkdirSync(options.outDir, { recursive: true });
  const results: ExperimentRun[] = [];
  let replayMs: number | undefined = estimateReplayMs(profile.durationMs, profile.rows * scenario.loop, scenario.pacing);
  let reportFiles: ReportFiles | undefined;
  for (const spec of runs) {
    if (options.signal?.aborted) break;
    const remaining = runs.slice(runs.indexOf(spec));
    const perRun = (s: RunSpec): number => estimateRunMs(scenario, s, replayMs ?? 10_000);
    const eta = (): number => remaining.reduce((sum, s) => sum + perRun(s), 0);
    const result = await runOne(options, spec, runs.length, clock, (info) => {
      if (info.replayMs !== undefined) replayMs = info.replayMs;
    }, eta);
    results.push(result);
    // Rewritten after every run, so an interrupted or failed experiment still leaves a report.
    reportFiles = writeReports(options, results, startedAt, clock.now() - startedAt, Boolean(options.signal?.aborted));
    options.onRunDone?.(result);
    if (result.error && /^E_(INPUT|USAGE)$/.test(result.errorCode ?? '')) {
      throw new SensortraceError(result.error, result.errorCode as 'E_INPUT');
    }
  }
  return {
    scenario,
    runs: results,
    interrupted: Boolean(options.signal?.aborted),
    startedAt,
    durationMs: clock.now() - startedAt,
    reports: reportFiles ?? writeReports(options, results, startedAt, clock.now() - startedAt, Boolean(options.signal?.aborted)),
  };
}

export function reportInputs(runs: readonly ExperimentRun[]): ReportRunInput[] {
  return runs.map((run) => {
    const input: ReportRunInput = {
      dir: run.spec.id,
      qos: run.spec.qos,
      broker: run.spec.broker.name,
      brokerKind: run.spec.broker.kind,
      restart: run.spec.variant.name,
      restarts: run.spec.variant.restarts,
      durationMs: run.durationMs,
    };
    if (run.report) input.report = run.report;
    if (run.error) input.error = run.error;
    if (run.replay) {
      const r = run.replay;
      input.replay = { sent: r.sent, published: r.published, acknowledged: r.acknowledged, queued: r.queued, dropped: r.dropped, reconnects: r.reconnects };
    }
    if (run.trace) input.trace = { received: run.trace.received, reconnects: run.trace.reconnects, sessionsLost: run.trace.sessionsLost };
    return input;
  });
}

function writeReports(options: ExperimentOptions, runs: readonly ExperimentRun[], startedAt: number, durationMs: number, interrupted: boolean): ReportFiles {
  const meta = { name: options.scenario.name, startedAt, durationMs, interrupted, ...((options.description ?? options.scenario.description) ? { description: options.description ?? options.scenario.description } : {}) };
  return writeExperimentReports(options.outDir, meta, reportInputs(runs), new Map(runs.map((r) => [r.spec.id, r.files])));
}

async function runOne(
  options: ExperimentOptions,
  spec: RunSpec,
  total: number,
  clock: Clock,
  learn: (info: { replayMs?: number }) => void,
  experimentEta: () => number,
): Promise<ExperimentRun> {
  const scenario = options.scenario;
  const dir = join(options.outDir, spec.id);
  mkdirSync(dir, { recursive: true });
  const started = clock.now();
  const run: ExperimentRun = { spec, dir, files: [], brokerEvents: [], durationMs: 0 };
  const runAbort = linkedController(options.signal);
  const traceAbort = linkedController(runAbort.signal);
  let phase: ExperimentPhase = 'broker';
  let sent = 0;
  let received = 0;
  let lastArrival = 0;
  const distinct = new Set<number>();
  let anonymous = 0;
  const progress = (next?: ExperimentPhase): void => {
    if (next) phase = next;
    options.onProgress?.({ run: spec, total, phase, sent, received, etaMs: Math.max(0, experimentEta() - (clock.now() - started)) });
  };

  const control: BrokerControl = createBrokerControl(brokerSpecFor(spec.broker), join(dir, 'broker'), options.brokerCommand ? { command: options.brokerCommand } : {});
  const brokerEventsPath = join(dir, 'broker.events.csv');
  const brokerEvents = new EventsWriter(brokerEventsPath);
  const brokerEvent = (event: 'broker_stop' | 'broker_start', detail: string, at = clock.now()): void => {
    const e: ConnectionEvent = { at, source: 'broker', event, detail };
    run.brokerEvents.push(e);
    brokerEvents.write(e);
  };
  // The broker is up at the latest when a client got a CONNACK from it: our own port probe can
  // notice a few ms after the clients (they retry every 250 ms too), and an outage window that
  // ends late would count messages that arrived on time as "late".
  let firstConnectSinceStop: number | undefined;
  let brokerDown = false;
  const onClientEvent = (event: ConnectionEvent): void => {
    if (event.event === 'connect' && brokerDown) firstConnectSinceStop = Math.min(firstConnectSinceStop ?? Infinity, event.at);
  };
  const sentPath = join(dir, 'sent.csv');
  const tracePath = join(dir, 'trace.csv');
  const tag = randomBytes(3).toString('hex');
  let restarts: Promise<void> = Promise.resolve();
  let restartError: unknown;
  let tracing: Promise<TraceSummary> | undefined;
  try {
    progress('broker');
    await control.start();
    const base: ConnectionOptions = { ...options.connection, url: control.url, reconnectPeriodMs: 250, connectTimeoutMs: 15_000 };
    // MQTT 5 ends a session at disconnect unless it has an expiry: the tracer's must outlive a restart.
    if (base.protocolVersion === 5 && base.sessionExpiry === undefined) base.sessionExpiry = 3600;

    progress('tracer');
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    tracing = trace({
      filters: [filterForTemplate(scenario.topic)],
      qos: spec.qos,
      output: tracePath,
      connection: { ...base, clientId: `st-trace-${tag}`, clean: false, reconnectPeriodMs: scenario.tracerReconnectMs },
      signal: traceAbort.signal,
      clock,
      onReady: markReady,
      onEvent: onClientEvent,
      onMessage: (record) => {
        received++;
        // Duplicates must not end the drain early: count distinct messages when they carry a seq.
        if (record.seq !== undefined) distinct.add(record.seq);
        else anonymous++;
        lastArrival = clock.now();
        progress();
      },
    });
    // A tracer that fails before SUBACK must not leave us waiting for it.
    await Promise.race([ready, tracing.then(() => undefined)]);
    if (runAbort.signal.aborted) throw new SensortraceError('interrupted', 'E_BROKER');

    progress('replay');
    const replaying = replay({
      profile: options.profile,
      format: scenario.profileFormat,
      topic: scenario.topic,
      pacing: scenario.pacing,
      qos: spec.qos,
      payloadFormat: scenario.payloadFormat,
      loop: scenario.loop,
      queueQos0: scenario.queueQos0,
      ...(scenario.maxInflight !== undefined ? { maxInflight: scenario.maxInflight } : {}),
      connection: { ...base, clientId: `st-replay-${tag}`, clean: false },
      log: sentPath,
      drainTimeoutMs: scenario.drainMs + spec.variant.restarts.reduce((n, r) => n + r.downForMs, 0),
      signal: runAbort.signal,
      clock,
      onValidated: (summary) => learn({ replayMs: estimateReplayMs(summary.durationMs, summary.rows * scenario.loop, scenario.pacing) }),
      onStart: ({ startAt }) => {
        // Handled at once (a rejection left for later would be an unhandled one); a broker
        // that fails to come back ends the run.
        restarts = applyRestarts(startAt).catch((error: unknown) => {
          restartError = error;
          runAbort.abort();
        });
      },
      onEvent: onClientEvent,
      onProgress: (p) => {
        sent = p.sent;
        progress();
      },
    });

    const applyRestarts = async (startAt: number): Promise<void> => {
      for (const r of spec.variant.restarts) {
        if (!(await sleepUntil(clock, startAt + r.atMs, runAbort.signal))) return;
        const detail = `${r.kind}, state ${r.state}`;
        progress('broker down');
        brokerEvent('broker_stop', detail);
        const stopAt = clock.now();
        await control.stop(r.kind);
        // Only a connect after the old broker is gone proves the new one is up.
        brokerDown = true;
        firstConnectSinceStop = undefined;
        if (r.state === 'lost') control.discardState();
        await sleepUntil(clock, stopAt + r.downForMs, runAbort.signal);
        if (runAbort.signal.aborted) return;
        await control.start();
        brokerEvent('broker_start', detail, Math.min(clock.now(), firstConnectSinceStop ?? Infinity));
        brokerDown = false;
        progress('replay');
      }
    };

    run.replay = await replaying;
    // A restart scheduled after the last reading still happens: its effect on the queue counts.
    await restarts;
    if (restartError !== undefined) throw restartError;

    progress('drain');
    const replayEnd = clock.now();
    const deadline = replayEnd + scenario.drainMs;
    const target = run.replay.sent;
    while (!runAbort.signal.aborted && distinct.size + anonymous < target) {
      const now = clock.now();
      if (now >= deadline) break;
      if (now - Math.max(lastArrival, replayEnd) >= scenario.quietMs) break;
      await sleepUntil(clock, Math.min(deadline, now + 50), runAbort.signal);
    }
    traceAbort.abort();
    run.trace = await tracing;
  } catch (error) {
    run.error = (error as Error).message;
    run.errorCode = (error as SensortraceError).code;
    traceAbort.abort();
    // Let the tracer close its file and client before the broker goes and compare reads the file.
    const traced = await tracing?.catch(() => undefined);
    if (traced) run.trace = traced;
  } finally {
    runAbort.abort();
    runAbort.unlink();
    traceAbort.unlink();
    await restarts.catch(() => undefined);
    await control.dispose().catch(() => undefined);
    brokerEvents.close();
  }

  if (existsSync(sentPath) && existsSync(tracePath) && !(run.errorCode && /^E_(INPUT|USAGE)$/.test(run.errorCode))) {
    progress('compare');
    try {
      const compared = await compare({
        sent: sentPath,
        received: [tracePath],
        // The replayer's and tracer's events files sit beside their outputs; compare finds those.
        events: [brokerEventsPath],
        output: join(dir, 'compare'),
        formats: options.chartFormats ?? ['svg', 'png', 'json'],
        title: `${spec.broker.name} · ${spec.variant.restarts.length ? describeRestarts(spec.variant.restarts) : 'no restart'} · QoS ${spec.qos}`,
      });
      run.report = compared.report;
      run.files = compared.files;
    } catch (error) {
      run.error ??= `compare failed: ${(error as Error).message}`;
    }
  }
  run.durationMs = clock.now() - started;
  progress('done');
  return run;
}
