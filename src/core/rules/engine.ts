import { evaluateCondition, evaluateNumber, type CompiledExpression, type ScalarValue, type Variables } from '../expression/evaluate.js';
import { decodeReading, encodeReading, formatNumber, userPropertiesFor, type PayloadFormat } from '../mqtt/payload.js';
import type { Qos } from '../records.js';
import type { Action, CompiledRule, DataSource, RuleSet } from './rule-set.js';
import { PatternMatcher, type Occurrence } from './pattern.js';
import { topicMatches } from '../mqtt/topic-filter.js';
import { topicProblem } from '../mqtt/topic-template.js';
import { wildcardLevels } from './topic.js';
import { SlidingWindow } from './window.js';

/** A message as the processor received it. */
export interface InputMessage {
  topic: string;
  payload: Buffer | string;
  /** Arrival time, epoch ms: windows and `within` are measured on it. */
  at: number;
  retain?: boolean;
  qos?: Qos;
  userProperties?: Record<string, string | string[]>;
}

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
}

export interface CsvEmission {
  kind: 'csv';
  rule: string;
  at: number;
  file: string;
  columns: string[];
  row: ScalarValue[];
  cause: string[];
}

export type Emission = PublishEmission | CsvEmission;

/** Lookup tables by data-source name: key → row. A row keyed `*` is the default. */
export type LookupTables = Map<string, Map<string, Variables>>;

export interface RuleEngineOptions {
  tables?: LookupTables;
  /** Problems while evaluating (a missing variable, a type error): the firing is skipped. */
  onWarning?: (message: string) => void;
  /** Warnings per rule before they are only counted. */
  maxWarningsPerRule?: number;
}

export interface RuleEngineStats {
  received: number;
  /** Received messages that matched at least one rule, transform or data topic. */
  matched: number;
  fired: Record<string, number>;
  emitted: number;
  errors: number;
}

interface EventData {
  vars: Variables;
  id: string;
}

const MAX_KEYS = 10_000;

/**
 * Runs a RuleSet: pure and synchronous. handle() takes one message and returns what to publish
 * or write; advance() fires the absences (`A not followed by B`) whose window has ended; the
 * caller owns the clock and schedules advance() at nextDeadline().
 */
export class RuleEngine {
  readonly stats: RuleEngineStats = { received: 0, matched: 0, fired: {}, emitted: 0, errors: 0 };
  private readonly tables: LookupTables;
  private readonly topicData = new Map<string, Variables>();
  private readonly states = new Map<string, Record<string, ScalarValue>>();
  private readonly windows = new Map<string, Map<string, SlidingWindow>>();
  private readonly matchers = new Map<string, PatternMatcher<EventData>>();
  private readonly warnings = new Map<string, number>();
  private serial = 0;

  constructor(
    readonly ruleSet: RuleSet,
    private readonly options: RuleEngineOptions = {},
  ) {
    this.tables = options.tables ?? new Map();
    for (const rule of ruleSet.rules) {
      this.stats.fired[rule.name] = 0;
      if (rule.pattern) this.matchers.set(rule.name, new PatternMatcher<EventData>(rule.pattern, MAX_KEYS));
      if (rule.window) this.windows.set(rule.name, new Map());
    }
  }

  /** What to subscribe to: every filter once, at the highest QoS any rule asked for. */
  subscriptions(): Array<{ filter: string; qos: Qos }> {
    const out = new Map<string, Qos>();
    const add = (filter: string, qos: Qos): void => void out.set(filter, Math.max(out.get(filter) ?? 0, qos) as Qos);
    for (const d of this.ruleSet.data) if (d.kind === 'topic') add(d.topic, 1);
    for (const rule of this.ruleSet.rules) for (const e of rule.events) add(e.filter, rule.qos);
    return [...out].map(([filter, qos]) => ({ filter, qos }));
  }

  /** Replaces a lookup table (e.g. after its file changed). */
  setTable(name: string, rows: Map<string, Variables>): void {
    this.tables.set(name, rows);
  }

  handle(message: InputMessage): Emission[] {
    this.stats.received++;
    this.serial++;
    const out = this.advance(message.at);
    let matched = false;
    for (const source of this.ruleSet.data) {
      if (source.kind === 'topic' && topicMatches(source.topic, message.topic)) {
        matched = true;
        this.topicData.set(source.name, this.eventVariables(message, source.topic).vars);
      }
    }
    for (const rule of this.ruleSet.rules) {
      if (message.retain && !rule.includeRetained) continue;
      const hits = rule.events.map((e, i) => (topicMatches(e.filter, message.topic) ? i : -1)).filter((i) => i >= 0);
      if (hits.length === 0) continue;
      matched = true;
      this.guard(rule, () => {
        const event = this.eventVariables(message, rule.events[hits[0]!]!.filter);
        const key = this.partitionKey(rule, event.vars);
        if (rule.pattern) {
          const passing = hits.filter((i) => {
            const when = rule.events[i]!.when;
            return !when || evaluateCondition(when, this.context(rule, key, event.vars, message.at));
          });
          if (passing.length === 0) return;
          for (const match of this.matchers.get(rule.name)!.offer(key, passing, message.at, event)) out.push(...this.fire(rule, key, match, message.at));
        } else {
          if (rule.window && typeof event.vars.value === 'number') this.windowFor(rule, key).add(message.at, event.vars.value);
          out.push(...this.fire(rule, key, [{ event: hits[0]!, at: message.at, data: event }], message.at));
        }
      });
    }
    if (matched) this.stats.matched++;
    return out;
  }

  /** Fires the absences that are due at `now`. */
  advance(now: number): Emission[] {
    const out: Emission[] = [];
    for (const rule of this.ruleSet.rules) {
      const matcher = this.matchers.get(rule.name);
      if (!matcher || rule.pattern?.kind !== 'absent') continue;
      for (const { key, match } of matcher.due(now)) this.guard(rule, () => out.push(...this.fire(rule, key, match, now)));
    }
    return out;
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const matcher of this.matchers.values()) {
      const at = matcher.nextDeadline();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private fire(rule: CompiledRule, key: string, match: Array<Occurrence<EventData>>, now: number): Emission[] {
    const last = match[match.length - 1]!.data;
    const vars = this.context(rule, key, last.vars, now);
    if (rule.pattern) for (const occurrence of match) vars[rule.events[occurrence.event]!.name] = occurrence.data.vars;
    const cause = match.map((o) => o.data.id);
    vars.cause = cause.join(' ');
    if (rule.when && !evaluateCondition(rule.when, vars)) return [];
    this.stats.fired[rule.name]!++;
    const out: Emission[] = [];
    for (const action of rule.actions) {
      const emission = this.act(rule, action, key, vars, cause, now);
      if (emission) out.push(emission);
    }
    this.stats.emitted += out.length;
    return out;
  }

  private act(rule: CompiledRule, action: Action, key: string, vars: Variables, cause: string[], now: number): Emission | undefined {
    switch (action.kind) {
      case 'derive': {
        const value = evaluateNumber(action.value, vars);
        const format: PayloadFormat = action.format === 'same' ? ((vars.format as PayloadFormat | undefined) ?? 'value') : action.format;
        const reading = {
          seq: typeof vars.seq === 'number' ? vars.seq : this.serial,
          sensor: String(vars.sensor),
          time: vars.time as number,
          value,
        };
        const sentAt = typeof vars.sent_at === 'number' ? vars.sent_at : now;
        let payload = encodeReading(format, reading, sentAt);
        if (format === 'json') payload = `${payload.slice(0, -1)},"cause":${JSON.stringify(cause)}}`;
        return this.publish(rule, action.topic.render(vars), payload, action.qos, action.retain, cause, now, { ...userPropertiesFor(reading, sentAt), cause: cause.join(' ') });
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
        return this.publish(rule, action.topic.render(vars), payload, action.qos, action.retain, cause, now, { cause: cause.join(' ') });
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
        const state = this.stateFor(key);
        const values = action.assignments.map(([name, expr]) => [name, evaluate(expr, vars)] as const);
        for (const [name, value] of values) state[name] = value;
        vars.state = { ...state };
        return undefined;
      }
    }
  }

  private publish(rule: CompiledRule, topic: string, payload: string, qos: Qos, retain: boolean, cause: string[], at: number, userProperties: Record<string, string>): PublishEmission {
    const problem = topicProblem(topic);
    if (problem) throw new Error(`topic "${topic}": ${problem}`);
    return { kind: 'publish', rule: rule.name, at, topic, payload, qos, retain, cause, userProperties };
  }

  /** The variables of one message: its decoded fields plus where and when it came. */
  private eventVariables(message: InputMessage, filter: string): EventData {
    const decoded = decodeReading(message.payload, message.userProperties);
    const text = typeof message.payload === 'string' ? message.payload : message.payload.toString('utf8');
    const sensor = decoded.sensor ?? wildcardLevels(filter, message.topic)[0] ?? message.topic;
    const time = decoded.time ?? Number(message.at.toFixed(3));
    const vars: Variables = { sensor, time, topic: message.topic, payload: text, at: message.at, retain: Boolean(message.retain), qos: message.qos ?? 0 };
    if (decoded.value !== undefined) vars.value = decoded.value;
    if (decoded.seq !== undefined) vars.seq = decoded.seq;
    if (decoded.sentAt !== undefined) vars.sent_at = decoded.sentAt;
    if (decoded.format !== undefined) vars.format = decoded.format;
    const id = decoded.seq !== undefined ? `${message.topic}#${decoded.seq}` : `${message.topic}@${formatNumber(time, 3)}`;
    vars.id = id;
    return { vars, id };
  }

  private partitionKey(rule: CompiledRule, event: Variables): string {
    if (!rule.by) return '';
    const key = rule.by.evaluate({ ...event, rule: rule.name });
    return typeof key === 'number' ? formatNumber(key) : String(key);
  }

  /** Everything an expression may read: the event, the partition's state and window, the data. */
  private context(rule: CompiledRule, key: string, event: Variables, now: number): Variables {
    const vars: Variables = { ...event, key, rule: rule.name, now, state: { ...this.stateFor(key) } };
    const window = this.windows.get(rule.name)?.get(key);
    if (window) {
      window.trim(now);
      vars.window = window.aggregates();
    }
    for (const source of this.ruleSet.data) {
      const row = this.dataRow(source, vars);
      if (row) vars[source.name] = row;
    }
    return vars;
  }

  private dataRow(source: DataSource, vars: Variables): Variables | undefined {
    if (source.kind === 'topic') return this.topicData.get(source.name);
    const table = this.tables.get(source.name);
    if (!table) return undefined;
    let key: ScalarValue;
    try {
      key = source.match.evaluate(vars);
    } catch {
      return table.get('*');
    }
    return table.get(typeof key === 'number' ? formatNumber(key) : String(key)) ?? table.get('*');
  }

  private stateFor(key: string): Record<string, ScalarValue> {
    let state = this.states.get(key);
    if (!state) {
      state = { ...this.ruleSet.state };
      this.states.set(key, state);
      if (this.states.size > MAX_KEYS) this.states.delete(this.states.keys().next().value!);
    }
    return state;
  }

  private windowFor(rule: CompiledRule, key: string): SlidingWindow {
    const windows = this.windows.get(rule.name)!;
    let window = windows.get(key);
    if (!window) {
      window = new SlidingWindow(rule.window!);
      windows.set(key, window);
      if (windows.size > MAX_KEYS) windows.delete(windows.keys().next().value!);
    }
    return window;
  }

  /** A failing expression skips this firing, is counted and reported (a few times per rule). */
  private guard(rule: CompiledRule, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.stats.errors++;
      const count = (this.warnings.get(rule.name) ?? 0) + 1;
      this.warnings.set(rule.name, count);
      const max = this.options.maxWarningsPerRule ?? 5;
      const kind = rule.kind === 'transform' ? 'transform' : 'rule';
      if (count <= max) this.options.onWarning?.(`${kind} "${rule.name}": ${(error as Error).message}${count === max ? ' (further errors of this rule are only counted)' : ''}`);
    }
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
