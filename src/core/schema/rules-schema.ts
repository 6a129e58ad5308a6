import { PAYLOAD_FORMATS } from '../mqtt/payload.js';
import type { Schema } from './validate.js';

/**
 * The rules file (YAML or JSON), after the short forms are spelled out (see normalizeRules:
 * one action for a list of actions, `a: topic` for `a: { topic }`). Names, expressions, topic
 * filters, templates and cross-field rules are checked by the rules compiler after this.
 */
const text: Schema = { type: ['string', 'number'], pattern: '\\S', message: 'expected text' };
/** Expressions may be written as bare numbers or true/false; they are compiled as text. */
const expression: Schema = { type: ['string', 'number', 'boolean'], pattern: '\\S', message: 'expected text' };
const qos: Schema = { enum: [0, 1, 2], message: 'QoS must be 0, 1 or 2' };
const bool: Schema = { type: 'boolean', message: 'expected true or false' };
const duration: Schema = { type: ['string', 'number'], duration: 'positive' };
const mapping = (rest: Schema): Schema => ({ type: 'object', message: 'expected a mapping (key: value)', ...rest });
/** `name: expression` pairs: CSV columns, JSON fields, state assignments. */
const assignments: Schema = { type: 'object', minProperties: 1, additionalProperties: expression };

const dataSource = mapping({ properties: { file: text, key: text, match: expression, topic: text }, additionalProperties: false });

const window = mapping({
  properties: {
    count: { type: 'integer', minimum: 1, maximum: 100_000, message: 'expected a whole number from 1 to 100000' },
    duration,
  },
  additionalProperties: false,
});

/** Event time (core/rules/event-time.ts): which clock windows and `within` use, the allowed lateness, late events. */
const eventTime: Record<string, Schema> = {
  time: { enum: ['arrival', 'event'], message: 'expected "arrival" (when the message came, the default) or "event" (the reading\'s own time)' },
  lateness: { type: ['string', 'number'], duration: true },
  late: { enum: ['drop', 'correct', 'route'], message: 'expected "drop", "correct" or "route" (to late_topic)' },
  late_topic: text,
};

/** `by: false` (or null) puts every event in one partition. */
const by: Schema = { type: ['string', 'number', 'boolean', 'null'], pattern: '\\S', message: 'expected an expression, or false' };

const transform = mapping({
  properties: {
    name: text,
    subscribe: text,
    value: expression,
    publish: text,
    format: { enum: ['same', ...PAYLOAD_FORMATS] },
    qos,
    retain: bool,
    when: expression,
    by,
    window,
    include_retained: bool,
    ...eventTime,
  },
  required: ['subscribe', 'value', 'publish'],
  additionalProperties: false,
});

const publish = mapping({
  properties: { topic: text, payload: { type: ['string', 'number'], message: 'expected text' }, json: assignments, qos, retain: bool },
  required: ['topic'],
  additionalProperties: false,
});

const action: Schema = {
  type: 'object',
  message: 'each action is exactly one of: publish, csv, set',
  properties: {
    publish,
    csv: mapping({ properties: { file: text, columns: assignments }, required: ['file', 'columns'], additionalProperties: false }),
    set: assignments,
  },
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
};

const event = mapping({ properties: { topic: text, when: expression }, required: ['topic'], additionalProperties: false });

const rule = mapping({
  properties: {
    name: text,
    description: {},
    on: text,
    events: mapping({ additionalProperties: event }),
    pattern: text,
    within: duration,
    by,
    window,
    when: expression,
    do: { type: 'array', items: action, minItems: 1 },
    qos,
    include_retained: bool,
    ...eventTime,
  },
  additionalProperties: false,
});

export const RULES_SCHEMA: Schema = mapping({
  properties: {
    name: text,
    description: {},
    version: { const: 1, message: 'only version 1 exists' },
    data: mapping({ additionalProperties: dataSource }),
    state: mapping({ additionalProperties: { type: ['number', 'string', 'boolean'], message: 'expected a number, text or true/false' } }),
    transforms: { type: 'array', items: transform },
    rules: { type: 'array', items: rule },
  },
  additionalProperties: false,
});
