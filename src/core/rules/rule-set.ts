import { inputError, type SensortraceError } from '../errors.js';
import { compileExpression, type CompiledExpression, type ScalarValue } from '../expression/evaluate.js';
import { compileTemplate, type CompiledTemplate } from '../expression/template.js';
import { PAYLOAD_FORMATS, type PayloadFormat } from '../mqtt/payload.js';
import type { Qos } from '../records.js';
import { filterProblem } from './topic.js';
import { topicProblem } from '../mqtt/topic-template.js';

/**
 * The rules file (YAML or JSON), validated and compiled. Every error names the file, the line
 * when known, the rule and the field. Transforms (exercise 14) and ECA rules (exercise 15)
 * compile to the same CompiledRule, so one engine runs both.
 */
export interface RuleSet {
  name?: string;
  data: DataSource[];
  /** Initial values of the per-partition state that `set` actions change. */
  state: Record<string, ScalarValue>;
  rules: CompiledRule[];
}

export type DataSource =
  | { name: string; kind: 'file'; file: string; key: string; match: CompiledExpression }
  | { name: string; kind: 'topic'; topic: string };

export interface EventSpec {
  name: string;
  filter: string;
  when?: CompiledExpression;
}

export type PatternKind = 'then' | 'and' | 'absent';

export interface Pattern {
  kind: PatternKind;
  /** Indexes into events: the order for `then`, all of them for `and`, [A, B] for `A not followed by B`. */
  steps: number[];
  withinMs: number;
}

export interface WindowSpec {
  count?: number;
  durationMs?: number;
}

export interface CompiledRule {
  name: string;
  kind: 'transform' | 'rule';
  events: EventSpec[];
  pattern?: Pattern;
  /** Partition key; undefined means one partition for the whole rule. */
  by?: CompiledExpression;
  window?: WindowSpec;
  when?: CompiledExpression;
  actions: Action[];
  /** QoS to subscribe with. */
  qos: Qos;
  /** Retained messages delivered at subscription are old news for events; skipped unless asked. */
  includeRetained: boolean;
}

export type Action =
  | { kind: 'derive'; topic: CompiledTemplate; value: CompiledExpression; format: PayloadFormat | 'same'; qos: Qos; retain: boolean }
  | { kind: 'publish'; topic: CompiledTemplate; payload?: CompiledTemplate; json?: Array<[string, CompiledExpression]>; qos: Qos; retain: boolean }
  | { kind: 'csv'; file: string; columns: Array<[string, CompiledExpression]> }
  | { kind: 'set'; assignments: Array<[string, CompiledExpression]> };

/** Names the engine defines for every event; pattern events and data sources may not reuse them. */
export const RESERVED_NAMES = new Set(['value', 'sensor', 'seq', 'time', 'topic', 'payload', 'at', 'retain', 'qos', 'id', 'key', 'rule', 'now', 'cause', 'state', 'window', 'sent_at', 'format', 'PI', 'E', 'true', 'false', 'and', 'or', 'not']);

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export type Locate = (path: Array<string | number>) => number | undefined;
type Path = Array<string | number>;

/** Validates a parsed rules document. `locate` maps a path in the document to its line. */
export function compileRuleSet(raw: unknown, file: string, locate: Locate = () => undefined): RuleSet {
  const v = new Validator(file, locate);
  const root = v.object(raw, [], 'the rules file', ['name', 'description', 'version', 'data', 'state', 'transforms', 'rules']);
  const set: RuleSet = { data: [], state: {}, rules: [] };
  if (root.name !== undefined) set.name = v.string(root.name, ['name'], 'name');
  if (root.version !== undefined && root.version !== 1) throw v.error(['version'], 'version', 'only version 1 exists', String(root.version));

  if (root.data !== undefined) {
    const data = v.object(root.data, ['data'], 'data');
    for (const [name, spec] of Object.entries(data)) {
      const path = ['data', name];
      const where = `data "${name}"`;
      v.name(name, path, where);
      if (RESERVED_NAMES.has(name)) throw v.error(path, where, 'this name is taken by a built-in variable', name);
      const s = v.object(spec, path, where, ['file', 'key', 'match', 'topic']);
      if (s.topic !== undefined) {
        const topic = v.string(s.topic, [...path, 'topic'], `${where}, topic`);
        const problem = filterProblem(topic);
        if (problem) throw v.error([...path, 'topic'], `${where}, topic`, problem, topic);
        set.data.push({ name, kind: 'topic', topic });
      } else if (s.file !== undefined) {
        set.data.push({
          name,
          kind: 'file',
          file: v.string(s.file, [...path, 'file'], `${where}, file`),
          key: s.key === undefined ? 'sensor' : v.string(s.key, [...path, 'key'], `${where}, key`),
          match: v.expression(s.match ?? 'sensor', [...path, 'match'], `${where}, match`),
        });
      } else throw v.error(path, where, 'needs either "file" (a CSV/JSON lookup table) or "topic" (the last value on a topic)');
    }
  }
  if (root.state !== undefined) {
    const state = v.object(root.state, ['state'], 'state');
    for (const [name, initial] of Object.entries(state)) {
      v.name(name, ['state', name], `state "${name}"`);
      set.state[name] = v.scalar(initial, ['state', name], `state "${name}"`);
    }
  }
  const dataNames = new Set(set.data.map((d) => d.name));
  const ruleNames = new Set<string>();
  const claim = (name: string, path: Path, where: string): void => {
    if (ruleNames.has(name)) throw v.error(path, where, 'a rule or transform with this name already exists', name);
    ruleNames.add(name);
  };

  v.list(root.transforms, ['transforms'], 'transforms').forEach((item, i) => {
    const path = ['transforms', i];
    const t = v.object(item, path, `transforms[${i + 1}]`, ['name', 'subscribe', 'value', 'publish', 'format', 'qos', 'retain', 'when', 'by', 'window', 'include_retained']);
    const name = t.name === undefined ? `transform${i + 1}` : v.string(t.name, [...path, 'name'], `transforms[${i + 1}], name`);
    const where = `transform "${name}"`;
    claim(name, [...path, 'name'], where);
    const filter = v.filter(t.subscribe, [...path, 'subscribe'], `${where}, subscribe`);
    const format = t.format === undefined ? 'same' : v.choice(t.format, [...path, 'format'], `${where}, format`, ['same', ...PAYLOAD_FORMATS]);
    const rule: CompiledRule = {
      name,
      kind: 'transform',
      events: [{ name: 'event', filter }],
      actions: [
        {
          kind: 'derive',
          topic: v.topicTemplate(t.publish, [...path, 'publish'], `${where}, publish`),
          value: v.expression(t.value, [...path, 'value'], `${where}, value`),
          format: format as PayloadFormat | 'same',
          qos: v.qos(t.qos, [...path, 'qos'], `${where}, qos`),
          retain: v.bool(t.retain, [...path, 'retain'], `${where}, retain`),
        },
      ],
      qos: v.qos(t.qos, [...path, 'qos'], `${where}, qos`),
      includeRetained: v.bool(t.include_retained, [...path, 'include_retained'], `${where}, include_retained`),
    };
    if (t.when !== undefined) rule.when = v.expression(t.when, [...path, 'when'], `${where}, when`);
    const by = v.by(t.by, [...path, 'by'], `${where}, by`, 'sensor');
    if (by) rule.by = by;
    if (t.window !== undefined) rule.window = v.window(t.window, [...path, 'window'], `${where}, window`);
    set.rules.push(rule);
  });

  v.list(root.rules, ['rules'], 'rules').forEach((item, i) => {
    const path = ['rules', i];
    const r = v.object(item, path, `rules[${i + 1}]`, ['name', 'on', 'events', 'pattern', 'within', 'by', 'window', 'when', 'do', 'qos', 'include_retained', 'description']);
    const name = r.name === undefined ? `rule${i + 1}` : v.string(r.name, [...path, 'name'], `rules[${i + 1}], name`);
    const where = `rule "${name}"`;
    claim(name, [...path, 'name'], where);
    const rule: CompiledRule = {
      name,
      kind: 'rule',
      events: [],
      actions: [],
      qos: v.qos(r.qos, [...path, 'qos'], `${where}, qos`),
      includeRetained: v.bool(r.include_retained, [...path, 'include_retained'], `${where}, include_retained`),
    };
    if (r.on !== undefined && r.events !== undefined) throw v.error(path, where, 'use either "on" (one event) or "events" with "pattern", not both');
    if (r.on !== undefined) {
      rule.events.push({ name: 'event', filter: v.filter(r.on, [...path, 'on'], `${where}, on`) });
      if (r.pattern !== undefined || r.within !== undefined) throw v.error([...path, 'pattern'], `${where}, pattern`, '"pattern" and "within" go with "events", not with "on"');
    } else if (r.events !== undefined) {
      const events = v.object(r.events, [...path, 'events'], `${where}, events`);
      for (const [eventName, spec] of Object.entries(events)) {
        const epath = [...path, 'events', eventName];
        const ewhere = `${where}, events.${eventName}`;
        v.name(eventName, epath, ewhere);
        if (RESERVED_NAMES.has(eventName) || dataNames.has(eventName)) throw v.error(epath, ewhere, 'this name is taken by a built-in variable or a data source', eventName);
        if (typeof spec === 'string') rule.events.push({ name: eventName, filter: v.filter(spec, epath, ewhere) });
        else {
          const e = v.object(spec, epath, ewhere, ['topic', 'when']);
          const event: EventSpec = { name: eventName, filter: v.filter(e.topic, [...epath, 'topic'], `${ewhere}.topic`) };
          if (e.when !== undefined) event.when = v.expression(e.when, [...epath, 'when'], `${ewhere}.when`);
          rule.events.push(event);
        }
      }
      if (rule.events.length === 0) throw v.error([...path, 'events'], `${where}, events`, 'names no event');
      if (r.pattern === undefined) throw v.error(path, `${where}, pattern`, 'is required with "events" (e.g. "A then B", "A and B", "A not followed by B")');
      rule.pattern = v.pattern(r.pattern, r.within, rule.events, path, where);
    } else throw v.error(path, where, 'needs "on" (a topic filter) or "events" with a "pattern"');
    const by = v.by(r.by, [...path, 'by'], `${where}, by`, rule.pattern ? undefined : 'sensor');
    if (by) rule.by = by;
    if (r.window !== undefined) {
      if (rule.pattern) throw v.error([...path, 'window'], `${where}, window`, 'windows go with single-event rules ("on"); patterns use "within"');
      rule.window = v.window(r.window, [...path, 'window'], `${where}, window`);
    }
    if (r.when !== undefined) rule.when = v.expression(r.when, [...path, 'when'], `${where}, when`);
    if (r.do === undefined) throw v.error(path, `${where}, do`, 'is required: what to do when the rule fires (publish, csv, set)');
    const actions = Array.isArray(r.do) ? r.do : [r.do];
    if (actions.length === 0) throw v.error([...path, 'do'], `${where}, do`, 'lists no action');
    actions.forEach((a, j) => rule.actions.push(v.action(a, [...path, 'do', ...(Array.isArray(r.do) ? [j] : [])], `${where}, do[${j + 1}]`, set.state)));
    set.rules.push(rule);
  });
  if (set.rules.length === 0) throw v.error([], 'the rules file', 'has no "transforms" and no "rules"');
  return set;
}

class Validator {
  constructor(
    private readonly file: string,
    private readonly locate: Locate,
  ) {}

  error(path: Path, field: string, what: string, found?: string): SensortraceError {
    const line = this.locate(path);
    return inputError(line === undefined ? { file: this.file, field } : { file: this.file, line, field }, what, found);
  }

  object(value: unknown, path: Path, where: string, allowed?: string[]): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.error(path, where, 'expected a mapping (key: value)', describe(value));
    // An own-property copy without a prototype: a `__proto__` key stays plain data (and is
    // rejected as unknown), and nothing is ever read through an inherited property.
    const record = Object.assign(Object.create(null) as Record<string, unknown>, Object.fromEntries(Object.entries(value)));
    if (allowed) {
      const unknown = Object.keys(record).find((k) => !allowed.includes(k));
      if (unknown !== undefined) throw this.error([...path, unknown], where, `unknown field "${unknown}" (expected one of: ${allowed.join(', ')})`);
    }
    return record;
  }

  list(value: unknown, path: Path, where: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.error(path, where, 'expected a list', describe(value));
    return value;
  }

  string(value: unknown, path: Path, where: string): string {
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string' || value.trim() === '') throw this.error(path, where, 'expected text', describe(value));
    return value;
  }

  name(name: string, path: Path, where: string): void {
    if (!NAME.test(name) || name.startsWith('__')) throw this.error(path, where, 'a name must be letters, digits and _ (not starting with a digit or __)', name);
  }

  scalar(value: unknown, path: Path, where: string): ScalarValue {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
    throw this.error(path, where, 'expected a number, text or true/false', describe(value));
  }

  bool(value: unknown, path: Path, where: string): boolean {
    if (value === undefined) return false;
    if (typeof value !== 'boolean') throw this.error(path, where, 'expected true or false', describe(value));
    return value;
  }

  qos(value: unknown, path: Path, where: string): Qos {
    if (value === undefined) return 0;
    if (value !== 0 && value !== 1 && value !== 2) throw this.error(path, where, 'QoS must be 0, 1 or 2', describe(value));
    return value;
  }

  choice(value: unknown, path: Path, where: string, choices: readonly string[]): string {
    if (typeof value !== 'string' || !choices.includes(value)) throw this.error(path, where, `expected one of: ${choices.join(', ')}`, describe(value));
    return value;
  }

  filter(value: unknown, path: Path, where: string): string {
    const filter = this.string(value, path, where);
    const problem = filterProblem(filter);
    if (problem) throw this.error(path, where, problem, filter);
    return filter;
  }

  expression(value: unknown, path: Path, where: string): CompiledExpression {
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
    const text = this.string(value, path, where);
    try {
      return compileExpression(text);
    } catch (error) {
      throw this.error(path, where, (error as Error).message);
    }
  }

  template(value: unknown, path: Path, where: string): CompiledTemplate {
    const text = this.string(value, path, where);
    try {
      return compileTemplate(text);
    } catch (error) {
      throw this.error(path, where, (error as Error).message);
    }
  }

  topicTemplate(value: unknown, path: Path, where: string): CompiledTemplate {
    const template = this.template(value, path, where);
    if (template.fixed) {
      const problem = topicProblem(template.source);
      if (problem) throw this.error(path, where, problem, template.source);
    }
    return template;
  }

  duration(value: unknown, path: Path, where: string): number {
    const text = typeof value === 'number' ? `${value}` : typeof value === 'string' ? value : '';
    const match = DURATION.exec(text);
    const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 's']! : Number.NaN;
    if (!(ms > 0)) throw this.error(path, where, 'expected a duration like 500ms, 30s, 2m or 1h', describe(value));
    return ms;
  }

  by(value: unknown, path: Path, where: string, fallback: string | undefined): CompiledExpression | undefined {
    if (value === false || value === null) return undefined;
    if (value === undefined) return fallback === undefined ? undefined : compileExpression(fallback);
    return this.expression(value, path, where);
  }

  window(value: unknown, path: Path, where: string): WindowSpec {
    const w = this.object(value, path, where, ['count', 'duration']);
    const spec: WindowSpec = {};
    if (w.count !== undefined) {
      if (typeof w.count !== 'number' || !Number.isInteger(w.count) || w.count < 1 || w.count > 100_000) throw this.error([...path, 'count'], `${where}.count`, 'expected a whole number from 1 to 100000', describe(w.count));
      spec.count = w.count;
    }
    if (w.duration !== undefined) spec.durationMs = this.duration(w.duration, [...path, 'duration'], `${where}.duration`);
    if (spec.count === undefined && spec.durationMs === undefined) throw this.error(path, where, 'needs "count" (last N events) or "duration" (e.g. 30s), or both');
    return spec;
  }

  pattern(value: unknown, within: unknown, events: EventSpec[], path: Path, where: string): Pattern {
    const text = this.string(value, [...path, 'pattern'], `${where}, pattern`).trim();
    const index = (name: string): number => {
      const i = events.findIndex((e) => e.name === name);
      if (i < 0) throw this.error([...path, 'pattern'], `${where}, pattern`, `"${name}" is not one of the events (${events.map((e) => e.name).join(', ')})`, text);
      return i;
    };
    let pattern: Omit<Pattern, 'withinMs'>;
    const absent = /^(\w+)\s+not\s+followed\s+by\s+(\w+)$/i.exec(text);
    if (absent) pattern = { kind: 'absent', steps: [index(absent[1]!), index(absent[2]!)] };
    else if (/^\w+(\s+then\s+\w+)+$/i.test(text)) pattern = { kind: 'then', steps: text.split(/\s+then\s+/i).map(index) };
    else if (/^\w+(\s+and\s+\w+)+$/i.test(text)) {
      const steps = text.split(/\s+and\s+/i).map(index);
      if (new Set(steps).size !== steps.length) throw this.error([...path, 'pattern'], `${where}, pattern`, '"and" needs distinct events', text);
      pattern = { kind: 'and', steps };
    } else if (/^\w+$/.test(text)) pattern = { kind: 'then', steps: [index(text)] };
    else throw this.error([...path, 'pattern'], `${where}, pattern`, 'expected "A then B [then C...]", "A and B [and C...]" or "A not followed by B"', text);
    if (within === undefined) throw this.error(path, `${where}, within`, 'is required with a pattern (e.g. within: 30s)');
    return { ...pattern, withinMs: this.duration(within, [...path, 'within'], `${where}, within`) };
  }

  assignments(value: unknown, path: Path, where: string, names?: Record<string, ScalarValue>): Array<[string, CompiledExpression]> {
    const record = this.object(value, path, where);
    const entries = Object.entries(record);
    if (entries.length === 0) throw this.error(path, where, 'is empty');
    return entries.map(([name, expr]) => {
      if (names && !Object.hasOwn(names, name)) throw this.error([...path, name], `${where}.${name}`, `is not declared under "state" (declared: ${Object.keys(names).join(', ') || 'none'})`);
      if (!names && !/^[A-Za-z0-9_.-]+$/.test(name)) throw this.error([...path, name], `${where}.${name}`, 'a column or field name must be letters, digits, _ . -', name);
      return [name, this.expression(expr, [...path, name], `${where}.${name}`)];
    });
  }

  action(value: unknown, path: Path, where: string, state: Record<string, ScalarValue>): Action {
    const a = this.object(value, path, where, ['publish', 'csv', 'set']);
    const kinds = Object.keys(a);
    if (kinds.length !== 1) throw this.error(path, where, 'each action is exactly one of: publish, csv, set', kinds.join(', '));
    if (a.publish !== undefined) {
      const p = this.object(a.publish, [...path, 'publish'], `${where}.publish`, ['topic', 'payload', 'json', 'qos', 'retain']);
      const base = `${where}.publish`;
      const action: Action = {
        kind: 'publish',
        topic: this.topicTemplate(p.topic, [...path, 'publish', 'topic'], `${base}.topic`),
        qos: this.qos(p.qos, [...path, 'publish', 'qos'], `${base}.qos`),
        retain: this.bool(p.retain, [...path, 'publish', 'retain'], `${base}.retain`),
      };
      if (p.payload !== undefined && p.json !== undefined) throw this.error([...path, 'publish'], base, 'use "payload" (a text template) or "json" (fields from expressions), not both');
      if (p.payload !== undefined) action.payload = typeof p.payload === 'string' && p.payload === '' ? compileTemplate('') : this.template(p.payload, [...path, 'publish', 'payload'], `${base}.payload`);
      if (p.json !== undefined) action.json = this.assignments(p.json, [...path, 'publish', 'json'], `${base}.json`);
      return action;
    }
    if (a.csv !== undefined) {
      const c = this.object(a.csv, [...path, 'csv'], `${where}.csv`, ['file', 'columns']);
      return {
        kind: 'csv',
        file: this.string(c.file, [...path, 'csv', 'file'], `${where}.csv.file`),
        columns: this.assignments(c.columns, [...path, 'csv', 'columns'], `${where}.csv.columns`),
      };
    }
    return { kind: 'set', assignments: this.assignments(a.set, [...path, 'set'], `${where}.set`, state) };
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
