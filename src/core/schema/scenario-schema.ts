import { PROCESSOR_SCHEMA } from './processor-schema.js';
import type { Schema } from './validate.js';

/**
 * The experiment scenario file (JSON), after the short forms are spelled out (see
 * normalizeScenario: `qos: 1`, `broker: "embedded"`, a single restart not in a list).
 * Cross-field rules (one pacing, distinct names, overlapping restarts, external brokers) are
 * checked in code after this.
 */
const text: Schema = { type: 'string', pattern: '\\S', message: 'expected a non-empty string' };
const duration: Schema = { type: ['string', 'number'], duration: true };
const onOff: Schema = { enum: [true, false, 'on', 'off'], message: 'expected true/false (or "on"/"off")' };
const positive: Schema = { type: 'number', exclusiveMinimum: 0, message: 'expected a positive number' };
const atLeastOne: Schema = { type: 'integer', minimum: 1, message: 'expected a whole number ≥ 1' };

const restartFields = {
  at: duration,
  downFor: duration,
  kind: { enum: ['graceful', 'crash'] },
  state: { enum: ['kept', 'lost'] },
};

const restart: Schema = {
  type: 'object',
  message: 'expected an object',
  properties: restartFields,
  required: ['at'],
  additionalProperties: false,
};

/** A network fault between one client and the broker (core/experiment/faults.ts); `rate` is checked in code. */
const fault: Schema = {
  type: 'object',
  message: 'expected an object like {"kind": "blackhole", "client": "recorder", "at": "2s", "for": "10s"}',
  properties: {
    kind: { enum: ['cut', 'blackhole', 'delay', 'throttle'] },
    client: { enum: ['replayer', 'recorder', 'both'] },
    at: duration,
    for: { type: ['string', 'number'], duration: 'positive' },
    delay: duration,
    jitter: duration,
    rate: { type: ['string', 'number'], message: 'expected a rate like 2kB/s, 512B/s, 1MB/s or 64kbit/s' },
  },
  required: ['kind', 'client', 'at', 'for'],
  additionalProperties: false,
};
const faults: Schema = { type: 'array', items: fault };

/** A variant: one restart, `{name, schedule: [restart, …]}`, `{name, faults: […]}`, or "none"/null for a baseline. */
const variant: Schema = {
  anyOf: [
    {
      type: 'object',
      message: 'expected an object (a restart, or {name, schedule}), or "none"',
      properties: { name: text, schedule: { type: 'array', minItems: 1, items: restart }, faults, ...restartFields },
      additionalProperties: false,
      // With a schedule, the restarts are in it; with faults only, there is no restart; else the variant is itself one restart.
      if: { anyOf: [{ required: ['schedule'] }, { required: ['faults'] }] },
      then: {},
      else: { required: ['at'] },
    },
    { enum: ['none', null] },
  ],
};

/** How a client comes back after a restart: `{back: "after-replayer", gap: "300ms"}`, `{back: "at", at: "500ms"}`. */
const comeback: Schema = {
  type: 'object',
  message: 'expected an object like {"back": "after-replayer", "gap": "300ms"} or {"at": "500ms"}',
  properties: {
    back: { enum: ['at', 'after-replayer', 'before-replayer', 'after-recorder', 'before-recorder'] },
    at: duration,
    gap: duration,
  },
  additionalProperties: false,
};

const broker: Schema = {
  type: 'object',
  message: 'expected an object',
  properties: {
    kind: { enum: ['embedded', 'mosquitto', 'external'] },
    name: text,
    url: { type: 'string', pattern: '^(mqtts?|wss?|tcp|ssl|tls)://', message: 'expected mqtt://, mqtts://, ws:// or wss://' },
    stop: text,
    start: text,
    kill: text,
    persistence: onOff,
    autosave: duration,
    config: { type: 'array', items: { type: 'string', pattern: '^[^\\r\\n]+$', message: 'expected one Mosquitto config line (e.g. "max_queued_messages 100")' }, message: 'expected a list of Mosquitto config lines' },
  },
  required: ['kind'],
  additionalProperties: false,
  if: { properties: { kind: { const: 'external' } } },
  then: { required: ['url'] },
};

export const SCENARIO_SCHEMA: Schema = {
  type: 'object',
  message: 'expected an object',
  properties: {
    name: text,
    description: text,
    profile: text,
    profileFormat: { type: 'object', message: 'expected an object' },
    topic: text,
    speed: positive,
    rate: positive,
    max: { type: 'boolean' },
    payload: { enum: ['plain', 'json', 'value'] },
    qos: { type: 'array', minItems: 1, items: { enum: [0, 1, 2], message: 'expected 0, 1 or 2' } },
    brokers: { type: 'array', minItems: 1, items: broker },
    broker: {},
    restarts: { type: 'array', minItems: 1, items: variant },
    faults,
    drain: duration,
    quiet: duration,
    tracerReconnect: duration,
    replayer: comeback,
    recorder: comeback,
    maxInflight: atLeastOne,
    queueQos0: onOff,
    loop: atLeastOne,
    processor: PROCESSOR_SCHEMA,
  },
  required: ['profile'],
  additionalProperties: false,
};
