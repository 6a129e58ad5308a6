/**
 * Experiment scenarios: what to replay, at which QoS levels, on which brokers, with which
 * restart schedules — and the matrix of runs that follows (QoS × broker × restart variant).
 * Pure: the JSON text comes in, validated values come out; errors name the file and the field.
 */
import { inputError, type SensortraceError } from '../errors.js';
import { parseDuration } from '../duration.js';
import type { PayloadFormat } from '../mqtt/payload.js';
import type { ProfileFormatOptions } from '../profile/format.js';
import type { Qos } from '../records.js';
import type { Pacing } from '../schedule/schedule.js';

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

/** One restart schedule of the matrix (several restarts allowed; none is a baseline). */
export interface ScenarioVariant {
  name: string;
  restarts: ScenarioRestart[];
}

export type ScenarioBroker =
  | { name: string; kind: 'embedded'; persistence: boolean; autosaveIntervalS: number }
  | { name: string; kind: 'mosquitto'; persistence: boolean; autosaveIntervalS: number }
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
   * The tracer's delay between reconnect attempts (the replayer's is 250 ms). Longer makes the
   * tracer come back second after a restart: a broker that lost its state then drops what the
   * replayer sends before the tracer has subscribed again — the case "state lost" is about.
   */
  tracerReconnectMs: number;
  maxInflight?: number;
  queueQos0: boolean;
  loop: number;
}

/** One run of the matrix; `id` names its folder. */
export interface RunSpec {
  index: number;
  id: string;
  qos: Qos;
  broker: ScenarioBroker;
  variant: ScenarioVariant;
}

type Json = Record<string, unknown>;

const KNOWN_KEYS = new Set([
  'name', 'description', 'profile', 'profileFormat', 'topic', 'speed', 'rate', 'max', 'payload', 'qos', 'brokers', 'broker',
  'restarts', 'drain', 'quiet', 'tracerReconnect', 'maxInflight', 'queueQos0', 'loop',
]);

class Fields {
  constructor(readonly file: string) {}

  error(field: string, what: string, found?: unknown): SensortraceError {
    return inputError({ file: this.file, field }, what, found === undefined ? undefined : typeof found === 'string' ? found : JSON.stringify(found));
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') throw this.error(field, 'expected a non-empty string', value);
    return value;
  }

  duration(value: unknown, field: string): number {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
    if (typeof value === 'string') {
      try {
        return parseDuration(value, field);
      } catch {
        /* reported below with the file's name */
      }
    }
    throw this.error(field, 'expected a duration like 500ms, 20s, 2m (or a number of seconds)', value);
  }

  positive(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw this.error(field, 'expected a positive number', value);
    return value;
  }

  integer(value: unknown, field: string, min: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw this.error(field, `expected a whole number ≥ ${min}`, value);
    return value;
  }

  oneOf<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
    if (typeof value !== 'string' || !choices.includes(value as T)) throw this.error(field, `expected one of ${choices.join(', ')}`, value);
    return value as T;
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value === 'boolean') return value;
    if (value === 'on') return true;
    if (value === 'off') return false;
    throw this.error(field, 'expected true/false (or "on"/"off")', value);
  }

  object(value: unknown, field: string): Json {
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw this.error(field, 'expected an object', value);
    return value as Json;
  }

  list(value: unknown, field: string): unknown[] {
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) throw this.error(field, 'expected at least one entry');
    return items;
  }
}

export function parseScenario(text: string, file: string): Scenario {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw inputError({ file }, `not valid JSON: ${(error as Error).message}`);
  }
  return scenarioFromValue(value, file);
}

/** Validates a scenario object (from a file, or built from CLI flags with file = "command line"). */
export function scenarioFromValue(value: unknown, file: string): Scenario {
  const f = new Fields(file);
  const root = f.object(value, '(top level)');
  for (const key of Object.keys(root)) if (!KNOWN_KEYS.has(key)) throw f.error(key, `unknown setting (known: ${[...KNOWN_KEYS].join(', ')})`);

  const pacingKeys = ['speed', 'rate', 'max'].filter((k) => root[k] !== undefined && root[k] !== false);
  if (pacingKeys.length > 1) throw f.error(pacingKeys.join('/'), 'choose one pacing: speed, rate or max');
  let pacing: Pacing = { mode: 'profile' };
  if (root.speed !== undefined) pacing = { mode: 'speed', factor: f.positive(root.speed, 'speed') };
  else if (root.rate !== undefined) pacing = { mode: 'rate', hz: f.positive(root.rate, 'rate') };
  else if (root.max === true) pacing = { mode: 'max' };

  const qos = f.list(root.qos ?? [0, 1, 2], 'qos').map((q, i) => {
    if (q !== 0 && q !== 1 && q !== 2) throw f.error(`qos[${i}]`, 'expected 0, 1 or 2', q);
    return q as Qos;
  });
  if (new Set(qos).size !== qos.length) throw f.error('qos', 'a QoS level is listed twice', root.qos);

  const brokers = f.list(root.brokers ?? root.broker ?? 'embedded', 'brokers').map((b, i) => parseBroker(f, b, `brokers[${i}]`));
  const names = brokers.map((b) => b.name);
  if (new Set(names).size !== names.length) throw f.error('brokers', 'two brokers have the same name; give them distinct "name"s', names.join(', '));

  const variants = root.restarts === undefined ? [{ name: 'no restart', restarts: [] }] : f.list(root.restarts, 'restarts').map((r, i) => parseVariant(f, r, `restarts[${i}]`));
  const variantNames = variants.map((v) => v.name);
  if (new Set(variantNames).size !== variantNames.length) throw f.error('restarts', 'two restart variants have the same name', variantNames.join(', '));

  for (const broker of brokers) {
    if (broker.kind !== 'external') continue;
    for (const variant of variants) {
      if (variant.restarts.length > 0 && !broker.stopCommand) throw f.error(`brokers.${broker.name}`, 'an external broker that is restarted needs "stop" and "start" commands');
      if (variant.restarts.length > 0 && !broker.startCommand) throw f.error(`brokers.${broker.name}`, 'an external broker that is restarted needs a "start" command');
      if (variant.restarts.some((r) => r.state === 'lost')) throw f.error(`restarts.${variant.name}`, 'state "lost" cannot be arranged on an external broker');
    }
  }

  const scenario: Scenario = {
    name: root.name === undefined ? 'experiment' : f.string(root.name, 'name'),
    profile: f.string(root.profile, 'profile'),
    profileFormat: root.profileFormat === undefined ? {} : (f.object(root.profileFormat, 'profileFormat') as ProfileFormatOptions),
    topic: root.topic === undefined ? 'sensors/{sensor}/temperature' : f.string(root.topic, 'topic'),
    pacing,
    payloadFormat: root.payload === undefined ? 'json' : f.oneOf(root.payload, 'payload', ['plain', 'json', 'value'] as const),
    qos,
    brokers,
    variants,
    drainMs: root.drain === undefined ? 10_000 : f.duration(root.drain, 'drain'),
    quietMs: root.quiet === undefined ? 1_500 : f.duration(root.quiet, 'quiet'),
    tracerReconnectMs: root.tracerReconnect === undefined ? 250 : f.duration(root.tracerReconnect, 'tracerReconnect'),
    queueQos0: root.queueQos0 === undefined ? false : f.boolean(root.queueQos0, 'queueQos0'),
    loop: root.loop === undefined ? 1 : f.integer(root.loop, 'loop', 1),
  };
  if (root.description !== undefined) scenario.description = f.string(root.description, 'description');
  if (root.maxInflight !== undefined) scenario.maxInflight = f.integer(root.maxInflight, 'maxInflight', 1);
  return scenario;
}

function parseBroker(f: Fields, value: unknown, field: string): ScenarioBroker {
  const spec: Json = typeof value === 'string' ? { kind: value } : f.object(value, field);
  const kind = f.oneOf(spec.kind, `${field}.kind`, ['embedded', 'mosquitto', 'external'] as const);
  if (kind === 'external') {
    const broker: ScenarioBroker = { name: spec.name === undefined ? 'external' : f.string(spec.name, `${field}.name`), kind, url: f.string(spec.url, `${field}.url`) };
    if (!/^(mqtts?|wss?|tcp|ssl|tls):\/\//.test(broker.url)) throw f.error(`${field}.url`, 'expected mqtt://, mqtts://, ws:// or wss://', broker.url);
    if (spec.stop !== undefined) broker.stopCommand = f.string(spec.stop, `${field}.stop`);
    if (spec.start !== undefined) broker.startCommand = f.string(spec.start, `${field}.start`);
    if (spec.kill !== undefined) broker.killCommand = f.string(spec.kill, `${field}.kill`);
    return broker;
  }
  const persistence = spec.persistence === undefined ? true : f.boolean(spec.persistence, `${field}.persistence`);
  const autosaveIntervalS = spec.autosave === undefined ? 0 : f.duration(spec.autosave, `${field}.autosave`) / 1000;
  const name = spec.name === undefined ? (persistence ? kind : `${kind}-nopersist`) : f.string(spec.name, `${field}.name`);
  return { name, kind, persistence, autosaveIntervalS };
}

function parseRestart(f: Fields, value: unknown, field: string): ScenarioRestart {
  const spec = f.object(value, field);
  return {
    atMs: f.duration(spec.at, `${field}.at`),
    downForMs: spec.downFor === undefined ? 0 : f.duration(spec.downFor, `${field}.downFor`),
    kind: spec.kind === undefined ? 'graceful' : f.oneOf(spec.kind, `${field}.kind`, ['graceful', 'crash'] as const),
    state: spec.state === undefined ? 'kept' : f.oneOf(spec.state, `${field}.state`, ['kept', 'lost'] as const),
  };
}

/** A variant is one restart (`{at, downFor, kind, state}`), a `{name, schedule: [...]}`, or "none". */
function parseVariant(f: Fields, value: unknown, field: string): ScenarioVariant {
  if (value === 'none' || value === null) return { name: 'no restart', restarts: [] };
  const spec = f.object(value, field);
  const restarts = spec.schedule === undefined ? [parseRestart(f, spec, field)] : f.list(spec.schedule, `${field}.schedule`).map((r, i) => parseRestart(f, r, `${field}.schedule[${i}]`));
  restarts.sort((a, b) => a.atMs - b.atMs);
  for (let i = 1; i < restarts.length; i++) {
    const before = restarts[i - 1]!;
    if (restarts[i]!.atMs < before.atMs + before.downForMs) throw f.error(`${field}.schedule`, 'restarts overlap: the next one starts before the broker is back');
  }
  const name = spec.name === undefined ? describeRestarts(restarts) : f.string(spec.name, `${field}.name`);
  return { name, restarts };
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
        const restartPart = variant.restarts.length === 0 ? 'baseline' : slug(variant.name);
        runs.push({ index, id: `${String(index).padStart(Math.max(2, width), '0')}-${slug(broker.name)}-${restartPart}-q${qos}`, qos, broker, variant });
      }
    }
  }
  return runs;
}

/** Rough wall time of a run, for "time left" (replay length + restarts' last moment + drain). */
export function estimateRunMs(scenario: Scenario, run: RunSpec, replayMs: number): number {
  const lastRestart = run.variant.restarts.reduce((end, r) => Math.max(end, r.atMs + r.downForMs), 0);
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
