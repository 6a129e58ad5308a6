import type { CompiledExpression, ScalarValue, Variables } from '../expression/evaluate.js';
import { evaluateNumber } from '../expression/evaluate.js';
import { encodeReading, userPropertiesFor, type PayloadFormat } from '../mqtt/payload.js';
import { topicProblem } from '../mqtt/topic-template.js';
import type { Qos } from '../records.js';
import type { Action, CompiledRule } from './rule-set.js';

export interface PublishEmission {
  kind: 'publish';
  rule: string;
  at: number;
  topic: string;
  payload: string;
  qos: Qos;
  retain: boolean;
  /** Ids of the events that caused this one. */
  cause: string[];
  /** MQTT 5 user properties (seq, sensor, time, sent_at of a derived reading, and cause). */
  userProperties: Record<string, string>;
  /**
   * Event time only: `correction` when a late event went through the rule again (`late: correct`),
   * `routed` when a late event is passed on to the rule's `late_topic` (`late: route`).
   */
  late?: 'correction' | 'routed';
}

export interface CsvEmission {
  kind: 'csv';
  rule: string;
  at: number;
  file: string;
  columns: string[];
  row: ScalarValue[];
  cause: string[];
  late?: 'correction';
}

/** Event time, `late: drop`: a late event left out; nothing is published, the log keeps a row. */
export interface LateDropEmission {
  kind: 'late';
  rule: string;
  at: number;
  /** The late event's topic, payload and own time. */
  topic: string;
  payload: string;
  time: number;
  cause: string[];
}

export type Emission = PublishEmission | CsvEmission | LateDropEmission;

/** What an action needs besides the rule's variables. */
export interface ActionContext {
  key: string;
  cause: string[];
  now: number;
  /** A sequence number for derived readings whose input had none. */
  serial: number;
  /** The partition's state, changed by `set`. */
  state: Record<string, ScalarValue>;
}

/** Carries out one action of a rule that fired: an emission, or (for `set`) a state change. */
export function act(rule: CompiledRule, action: Action, vars: Variables, context: ActionContext): Emission | undefined {
  const { key, cause, now } = context;
  switch (action.kind) {
    case 'derive': {
      const value = evaluateNumber(action.value, vars);
      const format: PayloadFormat = action.format === 'same' ? ((vars.format as PayloadFormat | undefined) ?? 'value') : action.format;
      const reading = {
        seq: typeof vars.seq === 'number' ? vars.seq : context.serial,
        sensor: String(vars.sensor),
        time: vars.time as number,
        value,
      };
      const sentAt = typeof vars.sent_at === 'number' ? vars.sent_at : now;
      let payload = encodeReading(format, reading, sentAt);
      if (format === 'json') payload = `${payload.slice(0, -1)},"cause":${JSON.stringify(cause)}}`;
      const properties = userPropertiesFor(reading, sentAt);
      properties.cause = cause.join(' ');
      return publishEmission(rule, action.topic.render(vars), payload, action.qos, action.retain, cause, now, properties);
    }
    case 'publish': {
      let payload: string;
      if (action.payload) payload = action.payload.render(vars);
      else {
        const fields: Record<string, ScalarValue | string[]> = { rule: rule.name };
        if (action.json) for (const [name, expr] of action.json) fields[name] = evaluate(expr, vars);
        else defaultFields(fields, key, vars);
        fields.cause = cause;
        payload = JSON.stringify(fields);
      }
      return publishEmission(rule, action.topic.render(vars), payload, action.qos, action.retain, cause, now, { cause: cause.join(' ') });
    }
    case 'csv':
      return {
        kind: 'csv',
        rule: rule.name,
        at: now,
        file: action.file,
        columns: ['at', 'rule', ...action.columns.map(([name]) => name), 'cause'],
        row: [Number(now.toFixed(3)), rule.name, ...action.columns.map(([, expr]) => evaluate(expr, vars)), cause.join(' ')],
        cause,
      };
    case 'set': {
      const values = action.assignments.map(([name, expr]) => [name, evaluate(expr, vars)] as const);
      for (const [name, value] of values) context.state[name] = value;
      vars.state = { ...context.state };
      return undefined;
    }
  }
}

/** Topics already found valid (a rule publishes to the same few again and again); bounded. */
const validTopics = new Set<string>();

export function publishEmission(rule: CompiledRule, topic: string, payload: string, qos: Qos, retain: boolean, cause: string[], at: number, userProperties: Record<string, string>): PublishEmission {
  if (!validTopics.has(topic)) {
    const problem = topicProblem(topic);
    if (problem) throw new Error(`topic "${topic}": ${problem}`);
    if (validTopics.size >= 10_000) validTopics.clear();
    validTopics.add(topic);
  }
  return { kind: 'publish', rule: rule.name, at, topic, payload, qos, retain, cause, userProperties };
}

/** Marks what a late event produced under `late: correct`: json payloads and MQTT 5 properties say so too. */
export function markCorrection(emission: Emission): void {
  if (emission.kind === 'late') return;
  emission.late = 'correction';
  if (emission.kind !== 'publish') return;
  emission.userProperties.correction = 'true';
  if (!emission.payload.startsWith('{')) return;
  try {
    const fields = JSON.parse(emission.payload) as unknown;
    if (fields !== null && typeof fields === 'object' && !Array.isArray(fields)) emission.payload = JSON.stringify({ ...fields, correction: true });
  } catch {
    // A text template that only looks like JSON: left as it is (the user property and the log say it).
  }
}

function evaluate(expression: CompiledExpression, vars: Variables): ScalarValue {
  return expression.evaluate(vars);
}

function defaultFields(fields: Record<string, ScalarValue | string[]>, key: string, vars: Variables): void {
  if (key) fields.key = key;
  for (const name of ['sensor', 'value', 'time'] as const) {
    const v = vars[name];
    if (v !== undefined && typeof v !== 'object') fields[name] = v;
  }
  fields.at = Number((vars.now as number).toFixed(3));
}
