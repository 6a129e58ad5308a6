import { join, resolve } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { ScenarioProcessor } from '../../core/scenario/scenario.js';
import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import { runProcessor, type ProcessSummary } from '../process/process.js';
import { ExternalProcessor } from './external-processor.js';
import { linkedController } from './interruptible.js';

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
  const abort = linkedController(options.signal);
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const running = runProcessor({
    rules: resolve(options.baseDir ?? '.', processor.rules),
    connection: { ...options.connection, clientId: `st-process-${options.tag}`, clean: false },
    log: join(options.dir, 'process.csv'),
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
  };
}
