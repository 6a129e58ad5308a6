import { join } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import type { ExperimentEta } from '../../core/experiment/run-plan.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { RunSpec } from '../../core/scenario/scenario.js';
import type { Clock } from '../../io/clock.js';
import { prepareOutputFolder } from '../../io/output/output-path.js';
import { replay } from '../replay/replay.js';
import { releaseOrder, type Release } from '../../core/experiment/choreography.js';
import { brokerMark } from '../../core/live/experiment-state.js';
import { BrokerRestarts } from './broker-restarts.js';
import { ClientChoreography } from './client-choreography.js';
import { awaitDrain } from './drain.js';
import { linkedController } from './interruptible.js';
import { costFaults } from './fault-costs.js';
import { NetworkFaults } from './network-faults.js';
import { RunClients } from './run-clients.js';
import { canCompare, compareRun, type RunFiles } from './run-compare.js';
import { RunProgress } from './run-progress.js';
import { RunTracer } from './run-tracer.js';
import { startRunSys, SYS_TICK_WAIT_MS } from './run-sys.js';
import type { SysRecorder } from '../sys/sys-recorder.js';
import { processorFilters, startProcessorStage, type ProcessorStage } from './run-processor.js';
import { compareDerived } from './derived-compare.js';
import type { ExperimentOptions, ExperimentRun } from './types.js';

/** What every run of one experiment shares. */
export interface RunContext {
  options: ExperimentOptions;
  clock: Clock;
  eta: ExperimentEta;
  total: number;
}

/** The parts of one run, alive from the broker's start to its disposal. */
interface RunParts {
  run: ExperimentRun;
  files: RunFiles;
  signal: AbortSignal;
  progress: RunProgress;
  broker: BrokerRestarts;
  tracer: RunTracer;
  choreography: ClientChoreography;
  /** The broker's own view (broker.sys.csv), once the broker is up. */
  sys?: SysRecorder;
  /** The scenario's processing stage, once started (run-processor.ts). */
  processor?: ProcessorStage;
  faults: NetworkFaults;
}

function releasesOf(scenario: ExperimentOptions['scenario']): readonly [Release, Release] {
  const order = releaseOrder(scenario.choreography);
  // readScenario refused a choreography that cannot be played.
  if (typeof order === 'string') throw new SensortraceError(order, 'E_INPUT');
  return order;
}

function runFiles(dir: string): RunFiles {
  return { sent: join(dir, 'sent.csv'), trace: join(dir, 'trace.csv'), brokerEvents: join(dir, 'broker.events.csv'), compare: join(dir, 'compare') };
}

/**
 * One run of the matrix: broker up, tracer subscribed, replay with the restarts timed from its
 * start, a bounded drain, then everything stopped (tracer before broker) and sent compared with
 * received. A failure is recorded on the run, never thrown: the experiment goes on with the next.
 */
export async function runOne(context: RunContext, spec: RunSpec): Promise<ExperimentRun> {
  const { options, clock } = context;
  const dir = join(options.outDir, spec.id);
  prepareOutputFolder(dir);
  const files = runFiles(dir);
  const runAbort = linkedController(options.signal);
  const progress = new RunProgress(spec, context.total, clock, (elapsed) => context.eta.leftMs(spec, elapsed), options.onProgress);
  const choreography = new ClientChoreography(releasesOf(options.scenario), clock, runAbort.signal);
  const broker = new BrokerRestarts(BrokerRestarts.controlFor(spec.broker, dir, options.brokerCommand), files.brokerEvents, {
    clock,
    signal: runAbort.signal,
    choreography,
    onPhase: (phase) => {
      progress.report(phase);
      parts.processor?.onPhase(phase);
    },
    onFailure: () => runAbort.abort(),
    onEvent: (event) => {
      const mark = brokerMark(spec.id, event);
      if (mark) options.onMark?.(mark);
    },
  });
  const run: ExperimentRun = { spec, dir, files: [], brokerEvents: broker.events, clientEvents: [], durationMs: 0 };
  const tracer = new RunTracer(clock, runAbort.signal, () => {
    progress.received = tracer.tally.received;
    progress.report();
  });
  const faults = new NetworkFaults(spec.variant.faults ?? [], join(dir, 'faults.events.csv'), clock, runAbort.signal, (event) => {
    const mark = brokerMark(spec.id, event);
    if (mark) options.onMark?.(mark);
  });
  run.faultEvents = faults.events;
  const parts: RunParts = { run, files, signal: runAbort.signal, progress, broker, tracer, choreography, faults };
  try {
    await record(context, parts);
  } catch (error) {
    run.error = (error as Error).message;
    run.errorCode = (error as SensortraceError).code;
    // Let the tracer close its file and client before the broker goes and compare reads the file.
    faults.lift();
    const traced = await tracer.stopAfterFailure();
    if (traced) run.trace = traced;
  } finally {
    runAbort.abort();
    runAbort.unlink();
    tracer.unlink();
    if (parts.sys) run.sys = parts.sys.stop();
    // The processor (stopped by the abort) is gone before the broker.
    const summary = await parts.processor?.stop().catch(() => undefined);
    if (summary) run.processor = summary;
    await faults.dispose();
    await broker.dispose();
  }
  if (canCompare(run, files)) {
    progress.report('compare');
    // vg: the live chart report.html embeds (zoom, tooltips). Stopped by a signal: the numbers
    // only, for drawing the charts could take longer than the 2 s a stop may take.
    const formats = options.signal?.aborted ? ['json' as const] : (options.chartFormats ?? ['svg', 'png', 'json', 'vg']);
    if (options.scenario.processor) run.derived = await compareDerived(run, files, options.scenario.processor, formats);
    else await compareRun(run, files, formats);
    await costFaults(run, files);
  }
  run.durationMs = progress.elapsedMs;
  progress.report('done');
  return run;
}

/** The run proper: broker, tracer, replay and restarts, drain, tracer stopped. Throws what ends the run early. */
async function record(context: RunContext, parts: RunParts): Promise<void> {
  const { options, clock } = context;
  const { run, files, signal, progress, broker, tracer, choreography, faults } = parts;
  const scenario = options.scenario;
  progress.report('broker');
  await broker.start();
  parts.sys = await startRunSys({ ...options.connection, url: broker.url }, join(run.dir, 'broker.sys.csv'), clock, signal);
  const clients = new RunClients(options.connection, broker.url, scenario, run.spec, await faults.start(broker.url));
  const onClientEvent = (event: ConnectionEvent): void => {
    run.clientEvents.push(event);
    broker.onClientEvent(event);
  };

  progress.report('tracer');
  const tracerOptions = clients.tracer(files.trace, onClientEvent);
  if (scenario.processor) tracerOptions.filters = processorFilters(scenario.processor);
  await tracer.start({ ...tracerOptions, onClient: choreography.recorderClient });
  if (signal.aborted) throw new SensortraceError('interrupted', 'E_BROKER');
  if (scenario.processor) parts.processor = await startProcessorStage(scenario.processor, { ...clients.processor(), dir: run.dir, baseDir: options.baseDir, clock, signal, onEvent: onClientEvent });

  progress.report('replay');
  run.replay = await replay({
    ...clients.replayer(options.profile, files.sent),
    signal,
    clock,
    onValidated: (summary) => context.eta.learnProfile(summary),
    onStart: ({ startAt }) => {
      broker.schedule(startAt, run.spec.variant.restarts);
      faults.schedule(startAt);
    },
    onEvent: onClientEvent,
    onClient: choreography.replayerClient,
    gate: choreography.gate,
    onProgress: (p) => {
      progress.sent = p.sent;
      progress.report();
    },
  });
  // A restart scheduled after the last reading still happens: its effect on the queue counts.
  await broker.finished();
  await faults.finished();

  progress.report('drain');
  await awaitDrain(clock, signal, tracer.tally, { target: run.replay.sent, drainMs: scenario.drainMs, quietMs: scenario.quietMs });
  faults.lift();
  run.trace = await tracer.stop();
  // The broker's counters as of now, not of its last tick (up to 2 s ago): wait for the next one.
  await parts.sys?.nextTick(SYS_TICK_WAIT_MS, signal);
}
