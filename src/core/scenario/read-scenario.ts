import { checkBrokerUrl } from '../mqtt/broker-url.js';
import { durationToMs } from '../duration.js';
import { inputError, type SensortraceError } from '../errors.js';
import type { PayloadFormat } from '../mqtt/payload.js';
import type { ProfileFormatOptions } from '../profile/format.js';
import type { Qos } from '../records.js';
import type { Pacing } from '../schedule/schedule.js';
import { DEFAULT_CHOREOGRAPHY, DEFAULT_REPLAYER, releaseOrder, type Choreography, type ClientComeback } from '../experiment/choreography.js';
import { NO_LINES, type Locate } from '../schema/json-lines.js';
import { SCENARIO_SCHEMA } from '../schema/scenario-schema.js';
import { readProcessor } from './processor.js';
import { schemaProblem, type Path } from '../schema/validate.js';
import { describeFaults, faultRestartClash, type NetworkFault } from '../experiment/faults.js';
import { readFaults } from './read-faults.js';
import { describeRestarts, type Scenario, type ScenarioBroker, type ScenarioRestart, type ScenarioVariant } from './scenario.js';

type Json = Record<string, unknown>;

/** Names a field the way the docs write it: `restarts[0].at`, `brokers[1].url`. */
export function fieldName(path: Path): string | undefined {
  if (path.length === 0) return undefined;
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('');
}

/** Errors for one scenario source: `file:line: field: what (found "…")`. */
class ScenarioErrors {
  constructor(
    private readonly file: string,
    private readonly locate: Locate,
    private readonly fromBroker: boolean,
  ) {}

  at(path: Path, what: string, found?: unknown): SensortraceError {
    // `broker: …` (one broker) was spelled out as `brokers: [...]`; its line is under `broker`.
    const source = this.fromBroker && path[0] === 'brokers' ? ['broker', ...path.slice(2)] : path;
    const line = this.locate(source);
    const field = fieldName(path);
    const shown = found === undefined || typeof found === 'string' ? found : JSON.stringify(found);
    return inputError({ file: this.file, ...(line === undefined ? {} : { line }), ...(field === undefined ? {} : { field }) }, what, shown);
  }
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** The short forms spelled out, so one schema describes the file: lists, broker objects, defaults. */
function normalizeScenario(root: Json): Json {
  const out: Json = { ...root };
  if (root.qos !== undefined) out.qos = asList(root.qos);
  const brokers = root.brokers ?? root.broker;
  if (brokers !== undefined) out.brokers = asList(brokers).map((b) => (typeof b === 'string' ? { kind: b } : b));
  delete out.broker;
  if (root.restarts !== undefined) out.restarts = asList(root.restarts);
  return out;
}

/** Validates a scenario object (from a file, or built from CLI flags with file = "command line"). */
export function readScenario(value: unknown, file: string, locate: Locate = NO_LINES): Scenario {
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  const root = isObject ? normalizeScenario(value as Json) : value;
  const errors = new ScenarioErrors(file, locate, isObject && (value as Json).brokers === undefined && (value as Json).broker !== undefined);
  const problem = schemaProblem(SCENARIO_SCHEMA, root);
  if (problem?.known) throw errors.at(problem.path, `unknown setting (known: ${problem.known.join(', ')})`);
  if (problem) throw errors.at(problem.path, problem.what, problem.found);
  return buildScenario(root as Json, errors);
}

function buildScenario(root: Json, errors: ScenarioErrors): Scenario {
  const pacing = readPacing(root, errors);
  const qos = (root.qos ?? [0, 1, 2]) as Qos[];
  if (new Set(qos).size !== qos.length) throw errors.at(['qos'], 'a QoS level is listed twice', root.qos);
  const brokers = ((root.brokers ?? [{ kind: 'embedded' }]) as Json[]).map(readBroker);
  const names = brokers.map((b) => b.name);
  if (new Set(names).size !== names.length) throw errors.at(['brokers'], 'two brokers have the same name; give them distinct "name"s', names.join(', '));
  // Faults at the top apply to every variant, before the variant's own.
  const shared = readFaults(root.faults, ['faults'], (path, what, found) => errors.at(path, what, found));
  const variants = root.restarts === undefined ? [withFaults({ name: 'no restart', restarts: [] }, shared, [])] : (root.restarts as unknown[]).map((r, i) => readVariant(r, i, errors, shared));
  const variantNames = variants.map((v) => v.name);
  if (new Set(variantNames).size !== variantNames.length) throw errors.at(['restarts'], 'two restart variants have the same name', variantNames.join(', '));
  checkExternalBrokers(brokers, variants, errors);
  checkFaultsAgainstRestarts(variants, readChoreography(root, errors), errors);
  brokers.forEach((b, i) => checkExternalUrl(b, i, errors));
  ((root.brokers ?? []) as Json[]).forEach((b, i) => {
    if (b.config !== undefined && b.kind !== 'mosquitto') throw errors.at(['brokers', i, 'config'], 'config lines are for a Mosquitto broker (kind "mosquitto")');
  });

  const ms = (value: unknown, otherwise: number): number => (value === undefined ? otherwise : durationToMs(value)!);
  const scenario: Scenario = {
    name: (root.name as string | undefined) ?? 'experiment',
    profile: root.profile as string,
    profileFormat: (root.profileFormat as ProfileFormatOptions | undefined) ?? {},
    topic: (root.topic as string | undefined) ?? 'sensors/{sensor}/temperature',
    pacing,
    payloadFormat: (root.payload as PayloadFormat | undefined) ?? 'json',
    qos,
    brokers,
    variants,
    drainMs: ms(root.drain, 10_000),
    quietMs: ms(root.quiet, 1_500),
    tracerReconnectMs: ms(root.tracerReconnect, 250),
    choreography: readChoreography(root, errors),
    queueQos0: onOff(root.queueQos0, false),
    loop: (root.loop as number | undefined) ?? 1,
  };
  if (root.description !== undefined) scenario.description = root.description as string;
  if (root.maxInflight !== undefined) scenario.maxInflight = root.maxInflight as number;
  if (root.processor !== undefined) scenario.processor = readProcessor(root.processor as Json, (path, what, found) => errors.at(path, what, found));
  return scenario;
}

function readComeback(spec: Json | undefined, role: 'replayer' | 'recorder', errors: ScenarioErrors): ClientComeback | undefined {
  if (spec === undefined) return undefined;
  const back = (spec.back as string | undefined) ?? (spec.at !== undefined ? 'at' : undefined);
  if (back === undefined) throw errors.at([role, 'back'], 'is required (at, after-replayer, before-replayer, after-recorder, before-recorder)');
  if (back === 'at') {
    if (spec.gap !== undefined) throw errors.at([role, 'gap'], '"gap" goes with "after-…" or "before-…"; "at" takes "at"');
    return { back, atMs: spec.at === undefined ? DEFAULT_REPLAYER.atMs : durationToMs(spec.at)! };
  }
  if (spec.at !== undefined) throw errors.at([role, 'at'], `"at" goes with "back": "at"; "${back}" takes "gap"`);
  return { back: back as Exclude<ClientComeback['back'], 'at'>, gapMs: spec.gap === undefined ? 0 : durationToMs(spec.gap)! };
}

/** The clients' comeback; a client that is not given one follows the defaults (or comes back at its own `at` when the other one names it). */
function readChoreography(root: Json, errors: ScenarioErrors): Choreography {
  const replayer = readComeback(root.replayer as Json | undefined, 'replayer', errors);
  const recorder = readComeback(root.recorder as Json | undefined, 'recorder', errors);
  const standAlone: ClientComeback = { back: 'at', atMs: DEFAULT_REPLAYER.atMs };
  const choreography: Choreography = {
    replayer: replayer ?? (recorder && recorder.back !== 'at' ? standAlone : DEFAULT_CHOREOGRAPHY.replayer),
    recorder: recorder ?? (replayer && replayer.back !== 'at' ? standAlone : DEFAULT_CHOREOGRAPHY.recorder),
  };
  const order = releaseOrder(choreography);
  if (typeof order === 'string') throw errors.at([recorder ? 'recorder' : 'replayer'], order);
  return choreography;
}

function readPacing(root: Json, errors: ScenarioErrors): Pacing {
  const pacingKeys = ['speed', 'rate', 'max'].filter((k) => root[k] !== undefined && root[k] !== false);
  if (pacingKeys.length > 1) throw errors.at([pacingKeys[1]!], 'choose one pacing: speed, rate or max', pacingKeys.join(', '));
  if (root.speed !== undefined) return { mode: 'speed', factor: root.speed as number };
  if (root.rate !== undefined) return { mode: 'rate', hz: root.rate as number };
  if (root.max === true) return { mode: 'max' };
  return { mode: 'profile' };
}

const onOff = (value: unknown, otherwise: boolean): boolean => (value === undefined ? otherwise : value === true || value === 'on');

/** An external broker's URL is held to the same rules as `-L` (scheme, host, port 1–65535). */
function checkExternalUrl(broker: ScenarioBroker, index: number, errors: ScenarioErrors): void {
  if (broker.kind !== 'external') return;
  try {
    checkBrokerUrl(broker.url);
  } catch (error) {
    throw errors.at(['brokers', index, 'url'], (error as Error).message.replace(/^url: /, ''));
  }
}

function readBroker(spec: Json): ScenarioBroker {
  const kind = spec.kind as ScenarioBroker['kind'];
  if (kind === 'external') {
    const broker: ScenarioBroker = { name: (spec.name as string | undefined) ?? 'external', kind, url: spec.url as string };
    if (spec.stop !== undefined) broker.stopCommand = spec.stop as string;
    if (spec.start !== undefined) broker.startCommand = spec.start as string;
    if (spec.kill !== undefined) broker.killCommand = spec.kill as string;
    return broker;
  }
  const persistence = onOff(spec.persistence, true);
  const autosaveIntervalS = spec.autosave === undefined ? 0 : durationToMs(spec.autosave)! / 1000;
  const name = (spec.name as string | undefined) ?? (persistence ? kind : `${kind}-nopersist`);
  if (kind === 'mosquitto' && spec.config !== undefined) return { name, kind, persistence, autosaveIntervalS, config: spec.config as string[] };
  return { name, kind, persistence, autosaveIntervalS };
}

function readRestart(spec: Json): ScenarioRestart {
  return {
    atMs: durationToMs(spec.at)!,
    downForMs: spec.downFor === undefined ? 0 : durationToMs(spec.downFor)!,
    kind: (spec.kind as ScenarioRestart['kind'] | undefined) ?? 'graceful',
    state: (spec.state as ScenarioRestart['state'] | undefined) ?? 'kept',
  };
}

/** A variant with its faults (shared ones first); unnamed, it is named after its restarts and faults. */
function withFaults(variant: ScenarioVariant, shared: readonly NetworkFault[], own: readonly NetworkFault[], named = false): ScenarioVariant {
  const faults = [...shared, ...own];
  if (faults.length === 0) return variant;
  const restarts = variant.restarts.length > 0 ? `${describeRestarts(variant.restarts)}; ` : '';
  return { ...variant, name: named ? variant.name : `${restarts}${describeFaults(faults)}`, faults };
}

/** A variant is one restart (`{at, downFor, kind, state}`), a `{name, schedule: [...]}`, `{name, faults: [...]}`, or "none". */
function readVariant(value: unknown, index: number, errors: ScenarioErrors, shared: readonly NetworkFault[] = []): ScenarioVariant {
  if (value === 'none' || value === null) return withFaults({ name: 'no restart', restarts: [] }, shared, []);
  const spec = value as Json;
  const own = readFaults(spec.faults, ['restarts', index, 'faults'], (path, what, found) => errors.at(path, what, found));
  const onlyFaults = spec.schedule === undefined && spec.at === undefined;
  const restarts = onlyFaults ? [] : spec.schedule === undefined ? [readRestart(spec)] : (spec.schedule as Json[]).map(readRestart);
  restarts.sort((a, b) => a.atMs - b.atMs);
  for (let i = 1; i < restarts.length; i++) {
    const before = restarts[i - 1]!;
    if (restarts[i]!.atMs < before.atMs + before.downForMs) throw errors.at(['restarts', index, 'schedule'], 'restarts overlap: the next one starts before the broker is back');
  }
  return withFaults({ name: (spec.name as string | undefined) ?? describeRestarts(restarts), restarts }, shared, own, spec.name !== undefined);
}

function checkExternalBrokers(brokers: ScenarioBroker[], variants: ScenarioVariant[], errors: ScenarioErrors): void {
  brokers.forEach((broker, b) => {
    if (broker.kind !== 'external') return;
    variants.forEach((variant, v) => {
      if (variant.restarts.length > 0 && !broker.stopCommand) throw errors.at(['brokers', b], `external broker "${broker.name}": when it is restarted, it needs "stop" and "start" commands`);
      if (variant.restarts.length > 0 && !broker.startCommand) throw errors.at(['brokers', b], `external broker "${broker.name}": when it is restarted, it needs a "start" command`);
      if (variant.restarts.some((r) => r.state === 'lost')) throw errors.at(['restarts', v], `state "lost" cannot be arranged on an external broker ("${broker.name}")`);
    });
  });
}

/** The choreography's own times after a restart (an upper bound of when both clients are back). */
function comebackMs(choreography: Choreography): number {
  const of = (c: ClientComeback): number => (c.back === 'at' ? c.atMs : c.gapMs);
  return of(choreography.replayer) + of(choreography.recorder);
}

function checkFaultsAgainstRestarts(variants: readonly ScenarioVariant[], choreography: Choreography, errors: ScenarioErrors): void {
  variants.forEach((variant, v) => {
    const clash = faultRestartClash(variant.faults ?? [], variant.restarts, comebackMs(choreography));
    if (clash) throw errors.at(['restarts', v], clash);
  });
}
