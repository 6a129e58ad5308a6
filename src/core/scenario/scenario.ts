/**
 * Experiment scenarios: what to replay, at which QoS levels, on which brokers, with which
 * restart schedules — and the matrix of runs that follows (QoS × broker × restart variant).
 * Pure: the JSON text comes in, validated values come out (read-scenario.ts, against
 * schema/scenario-schema.ts); errors name the file, the line and the field.
 */
import { inputError } from '../errors.js';
import { lazyJsonLocator, type Locate } from '../schema/json-lines.js';
import type { Choreography } from '../experiment/choreography.js';
import { lastFaultEndMs, type NetworkFault } from '../experiment/faults.js';
import { readScenario } from './read-scenario.js';
import type { PayloadFormat } from '../mqtt/payload.js';
import type { ProfileFormatOptions } from '../profile/format.js';
import type { Qos } from '../records.js';
import type { Pacing } from '../schedule/schedule.js';
import type { ScenarioProcessor } from './processor.js';

export type { ScenarioProcessor } from './processor.js';

export type RestartKind = 'graceful' | 'crash';
export type StateFate = 'kept' | 'lost';

export interface ScenarioRestart {
  /** Ms after the replay's start. */
  atMs: number;
  downForMs: number;
  kind: RestartKind;
  /** Whether the broker's saved session state survives (lost: removed before the start). */
  state: StateFate;
}

/** One restart schedule of the matrix (several restarts allowed; none is a baseline), with its network faults. */
export interface ScenarioVariant {
  name: string;
  restarts: ScenarioRestart[];
  /** Network faults timed like restarts (core/experiment/faults.ts); absent = none. */
  faults?: NetworkFault[];
}

export type ScenarioBroker =
  | { name: string; kind: 'embedded'; persistence: boolean; autosaveIntervalS: number }
  | { name: string; kind: 'mosquitto'; persistence: boolean; autosaveIntervalS: number; /** Extra lines for its generated config. */ config?: string[] }
  | { name: string; kind: 'external'; url: string; stopCommand?: string; startCommand?: string; killCommand?: string };

export interface Scenario {
  name: string;
  description?: string;
  /** As written in the file; the caller resolves it against the scenario's folder. */
  profile: string;
  profileFormat: ProfileFormatOptions;
  topic: string;
  pacing: Pacing;
  payloadFormat: PayloadFormat;
  qos: Qos[];
  brokers: ScenarioBroker[];
  variants: ScenarioVariant[];
  /** After the replay ends, how long at most to wait for the last arrivals. */
  drainMs: number;
  /** Stop waiting early once nothing arrived for this long after the replay ended. */
  quietMs: number;
  /**
   * The tracer's delay between reconnect attempts once it is let back after a restart and the
   * broker refuses it (the replayer's is 250 ms). When it comes back is `choreography`'s.
   */
  tracerReconnectMs: number;
  /** When each client comes back after a restart (both are held offline until then). */
  choreography: Choreography;
  maxInflight?: number;
  queueQos0: boolean;
  loop: number;
  /** A processing stage between replayer and recorder (core/scenario/processor.ts). */
  processor?: ScenarioProcessor;
}

/** One run of the matrix; `id` names its folder. */
export interface RunSpec {
  index: number;
  id: string;
  qos: Qos;
  broker: ScenarioBroker;
  variant: ScenarioVariant;
}

/** Parses and validates a scenario file's text; errors name the file, the line and the field. */
export function parseScenario(text: string, file: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw inputError({ file }, `not valid JSON: ${(error as Error).message}`);
  }
  return readScenario(value, file, lazyJsonLocator(text));
}

/**
 * Validates a scenario object (from a file, or built from CLI flags with file = "command line").
 * `locate` gives lines when the object came from text the caller still has (see lazyJsonLocator).
 */
export function scenarioFromValue(value: unknown, file: string, locate?: Locate): Scenario {
  return readScenario(value, file, locate);
}

export function describeRestarts(restarts: readonly ScenarioRestart[]): string {
  if (restarts.length === 0) return 'no restart';
  return restarts.map((r) => `${r.kind} at ${r.atMs / 1000}s for ${r.downForMs / 1000}s, state ${r.state}`).join('; ');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'x';
}

/** Every combination, broker-major then variant then QoS, so one broker's runs sit together. */
export function expandMatrix(scenario: Scenario): RunSpec[] {
  const runs: RunSpec[] = [];
  const width = String(scenario.brokers.length * scenario.variants.length * scenario.qos.length).length;
  for (const broker of scenario.brokers) {
    for (const variant of scenario.variants) {
      for (const qos of scenario.qos) {
        const index = runs.length + 1;
        const restartPart = variant.restarts.length === 0 && !variant.faults?.length ? 'baseline' : slug(variant.name);
        runs.push({ index, id: `${String(index).padStart(Math.max(2, width), '0')}-${slug(broker.name)}-${restartPart}-q${qos}`, qos, broker, variant });
      }
    }
  }
  return runs;
}

/** Rough wall time of a run, for "time left" (replay length + restarts' last moment + drain). */
export function estimateRunMs(scenario: Scenario, run: RunSpec, replayMs: number): number {
  const lastRestart = Math.max(lastFaultEndMs(run.variant.faults ?? []), run.variant.restarts.reduce((end, r) => Math.max(end, r.atMs + r.downForMs), 0));
  return Math.max(replayMs, lastRestart) + Math.min(scenario.drainMs, scenario.quietMs * 2) + 1500;
}

/** How long a replay of the profile takes with the scenario's pacing (for "time left" only). */
export function estimateReplayMs(profileDurationMs: number, rows: number, pacing: Pacing): number {
  switch (pacing.mode) {
    case 'profile':
      return profileDurationMs;
    case 'speed':
      return profileDurationMs / pacing.factor;
    case 'rate':
      return (rows / pacing.hz) * 1000;
    case 'max':
      return rows / 5;
  }
}
