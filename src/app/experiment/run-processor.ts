import { join, resolve } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { ScenarioProcessor } from '../../core/scenario/scenario.js';
import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import { runProcessor, type ProcessSummary } from '../process/process.js';
import { ExternalProcessor } from './external-processor.js';
import { linkedController } from './interruptible.js';
import type { ExperimentPhase } from './types.js';

export interface ProcessorStageOptions {
  /** The run's client settings with the broker's URL (reconnect delay, MQTT 5 session expiry). */
  connection: ConnectionOptions;
  /** The run's folder: process.csv (its --log) or processor.log (an external command's output). */
  dir: string;
  /** The folder of the scenario: rules paths are resolved against it and commands run in it. */
  baseDir?: string | undefined;
  /** Unique to the run: the processor's client id. */
  tag: string;
  clock: Clock;
  signal: AbortSignal;
  onEvent?: (event: ConnectionEvent) => void;
}

/** A started processing stage: stopped after the recorder, before the broker goes. */
export interface ProcessorStage {
  stop(): Promise<ProcessSummary | undefined>;
  /** The experiment's phases: with `restart`, 'broker down' stops the processor and the next 'replay' starts it again. */
  onPhase(phase: ExperimentPhase): void;
}

/** The recorder traces what the processor publishes, not what the replayer sends. */
export function processorFilters(processor: ScenarioProcessor): string[] {
  return processor.outputs.map((o) => o.filter);
}

/**
 * Starts the scenario's processor and resolves once it listens: sensortrace `process` in this
 * process (a persistent session under a client id of the run; it reconnects after a restart like
 * the other clients, and is not restarted itself), or an external command, told the broker
 * through MQTT_HOST / MQTT_PORT / MQTT_URL and waited for (`ready`: a line or a port).
 */
export async function startProcessorStage(processor: ScenarioProcessor, options: ProcessorStageOptions): Promise<ProcessorStage> {
  if (processor.kind === 'command') return startExternal(processor.command, processor.ready, options);
  const rules = resolve(options.baseDir ?? '.', processor.rules);
  let current = await startInProcess(rules, options);
  if (!processor.restart) return { stop: () => current.stop(), onPhase: () => undefined };
  let stopped: Promise<ProcessSummary | undefined> | undefined;
  const earlier: ProcessSummary[] = [];
  return {
    onPhase: (phase) => {
      if (phase === 'broker down' && !stopped) {
        stopped = current.stop().then((summary) => {
          if (summary) earlier.push(summary);
          return summary;
        });
      } else if (phase === 'replay' && stopped) {
        const previous = stopped;
        stopped = undefined;
        // Started once the old one is gone (same client id); the run goes on meanwhile.
        current = lazyStage(previous.then(() => startInProcess(rules, options)));
      }
    },
    stop: async () => {
      const last = await (stopped ?? current.stop());
      return last && mergeSummaries([...earlier.filter((s) => s !== last), last]);
    },
  };
}

/** A stage whose processor is still starting: stop() waits for it, then stops it. */
function lazyStage(starting: Promise<{ stop(): Promise<ProcessSummary | undefined> }>): { stop(): Promise<ProcessSummary | undefined> } {
  starting.catch(() => undefined);
  return { stop: async () => (await starting.catch(() => undefined))?.stop() };
}

/** Counts over every life of a restarted processor. */
function mergeSummaries(summaries: ProcessSummary[]): ProcessSummary {
  const last = summaries[summaries.length - 1]!;
  const sum = (pick: (s: ProcessSummary) => number): number => summaries.reduce((n, s) => n + pick(s), 0);
  const fired: Record<string, number> = {};
  for (const s of summaries) for (const [name, n] of Object.entries(s.fired)) fired[name] = (fired[name] ?? 0) + n;
  return {
    ...last,
    received: sum((s) => s.received),
    matched: sum((s) => s.matched),
    emitted: sum((s) => s.emitted),
    errors: sum((s) => s.errors),
    published: sum((s) => s.published),
    failed: sum((s) => s.failed),
    fired,
    late: { dropped: sum((s) => s.late.dropped), corrected: sum((s) => s.late.corrected), routed: sum((s) => s.late.routed) },
    reconnects: sum((s) => s.reconnects) + summaries.length - 1,
  };
}

/** How many times a run's processor was started: its --log is process.csv, then process-2.csv, … */
const lives = new WeakMap<ProcessorStageOptions, number>();

async function startInProcess(rules: string, options: ProcessorStageOptions): Promise<{ stop(): Promise<ProcessSummary | undefined> }> {
  const life = (lives.get(options) ?? 0) + 1;
  lives.set(options, life);
  const abort = linkedController(options.signal);
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const running = runProcessor({
    rules,
    connection: { ...options.connection, clientId: `st-process-${options.tag}`, clean: false },
    log: join(options.dir, life === 1 ? 'process.csv' : `process-${life}.csv`),
    signal: abort.signal,
    clock: options.clock,
    reloadIntervalMs: 0,
    onReady: markReady,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  const early = running.then(() => {
    throw new SensortraceError('the processor stopped before it was subscribed', 'E_BROKER');
  });
  early.catch(() => undefined);
  await Promise.race([ready, early]);
  return {
    stop: async () => {
      abort.abort();
      try {
        return await running;
      } finally {
        abort.unlink();
      }
    },
  };
}

async function startExternal(command: string, ready: string | number | undefined, options: ProcessorStageOptions): Promise<ProcessorStage> {
  const url = new URL(options.connection.url ?? 'mqtt://127.0.0.1:1883');
  const external = new ExternalProcessor({
    command,
    ready,
    cwd: options.baseDir,
    env: { MQTT_HOST: url.hostname, MQTT_PORT: url.port || '1883', MQTT_URL: url.toString() },
    logPath: join(options.dir, 'processor.log'),
    clock: options.clock,
    signal: options.signal,
  });
  try {
    await external.ready();
  } catch (error) {
    await external.stop();
    throw error;
  }
  return {
    stop: async () => {
      await external.stop();
      return undefined;
    },
    onPhase: () => undefined,
  };
}
