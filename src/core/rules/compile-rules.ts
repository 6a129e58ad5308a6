import type { ScalarValue } from '../expression/evaluate.js';
import type { PayloadFormat } from '../mqtt/payload.js';
import type { Qos } from '../records.js';
import type { Locate } from '../schema/json-lines.js';
import { RULES_SCHEMA } from '../schema/rules-schema.js';
import { schemaProblem, type Path } from '../schema/validate.js';
import { RuleErrors } from './rule-errors.js';
import { RuleParts } from './rule-parts.js';
import type { CompiledRule, DataSource, EventSpec, RuleSet } from './rule-set.js';

type Json = Record<string, unknown>;

/** Names the engine defines for every event; pattern events and data sources may not reuse them. */
export const RESERVED_NAMES = new Set(['value', 'sensor', 'seq', 'time', 'topic', 'payload', 'at', 'retain', 'qos', 'id', 'key', 'rule', 'now', 'cause', 'state', 'window', 'sent_at', 'format', 'PI', 'E', 'true', 'false', 'and', 'or', 'not']);

const isMapping = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The short forms spelled out, so one schema describes the file: `do: {…}` is a list of one
 * action, an event `a: topic` is `a: { topic }`. Copies (own keys only); the input is untouched.
 */
export function normalizeRules(raw: unknown): unknown {
  if (!isMapping(raw) || !Array.isArray(raw.rules)) return raw;
  const rules = raw.rules.map((rule: unknown) => {
    if (!isMapping(rule)) return rule;
    const out: Json = { ...rule };
    if (rule.do !== undefined && !Array.isArray(rule.do)) out.do = [rule.do];
    if (isMapping(rule.events)) {
      out.events = Object.fromEntries(Object.entries(rule.events).map(([name, spec]) => [name, typeof spec === 'string' ? { topic: spec } : spec]));
    }
    return out;
  });
  return { ...raw, rules };
}

/** Schema first (shapes), then meaning: names, filters, expressions, patterns, cross-field rules. */
export function compileRules(raw: unknown, file: string, locate?: Locate): RuleSet {
  const errors = new RuleErrors(file, raw, locate);
  const doc = normalizeRules(raw);
  const problem = schemaProblem(RULES_SCHEMA, doc);
  if (problem?.known) {
    const container = problem.path.slice(0, -1);
    throw errors.at(problem.path, `unknown field "${String(problem.path.at(-1))}" (expected one of: ${problem.known.join(', ')})`, undefined, errors.label(container));
  }
  if (problem) throw errors.at(problem.path, problem.what, problem.found);
  const root = doc as Json;
  const parts = new RuleParts(errors);
  const set: RuleSet = { data: compileData(root.data as Json | undefined, parts), state: compileState(root.state as Json | undefined, parts), rules: [] };
  if (root.name !== undefined) set.name = String(root.name);
  const names = new RuleNames(errors);
  ((root.transforms as Json[] | undefined) ?? []).forEach((t, i) => set.rules.push(compileTransform(t, i, parts, names)));
  const dataNames = new Set(set.data.map((d) => d.name));
  ((root.rules as Json[] | undefined) ?? []).forEach((r, i) => set.rules.push(compileRule(r, i, { parts, names, dataNames, state: set.state })));
  if (set.rules.length === 0) throw errors.at([], 'has no "transforms" and no "rules"');
  return set;
}

/** Rule and transform names are unique across both lists (they name CSV rows and causes). */
class RuleNames {
  private readonly taken = new Set<string>();
  constructor(private readonly errors: RuleErrors) {}

  claim(name: string, section: string, index: number): void {
    if (this.taken.has(name)) throw this.errors.at([section, index, 'name'], 'a rule or transform with this name already exists', name, this.errors.item([section, index]));
    this.taken.add(name);
  }
}

function compileData(data: Json | undefined, parts: RuleParts): DataSource[] {
  return Object.entries(data ?? {}).map(([name, value]) => {
    const path = ['data', name];
    const spec = value as Json;
    parts.name(name, path);
    if (RESERVED_NAMES.has(name)) throw parts.errors.at(path, 'this name is taken by a built-in variable', name);
    if (spec.topic !== undefined) return { name, kind: 'topic', topic: parts.filter(spec.topic, [...path, 'topic']) };
    if (spec.file === undefined) throw parts.errors.at(path, 'needs either "file" (a CSV/JSON lookup table) or "topic" (the last value on a topic)');
    const key = spec.key === undefined ? 'sensor' : String(spec.key);
    return { name, kind: 'file', file: String(spec.file), key, match: parts.expression(spec.match ?? 'sensor', [...path, 'match']) };
  });
}

function compileState(state: Json | undefined, parts: RuleParts): Record<string, ScalarValue> {
  const out: Record<string, ScalarValue> = {};
  for (const [name, initial] of Object.entries(state ?? {})) {
    parts.name(name, ['state', name]);
    out[name] = initial as ScalarValue;
  }
  return out;
}

/** A transform: one input topic, one derived value published to one topic. */
function compileTransform(t: Json, i: number, parts: RuleParts, names: RuleNames): CompiledRule {
  const path = ['transforms', i];
  const at = (field: string): Path => [...path, field];
  const name = t.name === undefined ? `transform${i + 1}` : String(t.name);
  names.claim(name, 'transforms', i);
  const qos = (t.qos as Qos | undefined) ?? 0;
  const rule: CompiledRule = {
    name,
    kind: 'transform',
    events: [{ name: 'event', filter: parts.filter(t.subscribe, at('subscribe')) }],
    actions: [
      {
        kind: 'derive',
        topic: parts.topicTemplate(t.publish, at('publish')),
        value: parts.expression(t.value, at('value')),
        format: (t.format as PayloadFormat | 'same' | undefined) ?? 'same',
        qos,
        retain: t.retain === true,
      },
    ],
    qos,
    includeRetained: t.include_retained === true,
  };
  if (t.when !== undefined) rule.when = parts.expression(t.when, at('when'));
  const by = parts.by(t.by, at('by'), 'sensor');
  if (by) rule.by = by;
  if (t.window !== undefined) rule.window = parts.window(t.window as Json, at('window'));
  const eventTime = parts.eventTime(t, path);
  if (eventTime) rule.eventTime = eventTime;
  return rule;
}

interface RuleContext {
  parts: RuleParts;
  names: RuleNames;
  dataNames: Set<string>;
  state: Record<string, ScalarValue>;
}

/** An ECA rule: one event (`on`) or a pattern of events, an optional window and condition, actions. */
function compileRule(r: Json, i: number, context: RuleContext): CompiledRule {
  const { parts, names } = context;
  const path = ['rules', i];
  const at = (field: string): Path => [...path, field];
  const name = r.name === undefined ? `rule${i + 1}` : String(r.name);
  names.claim(name, 'rules', i);
  const rule: CompiledRule = { name, kind: 'rule', events: [], actions: [], qos: (r.qos as Qos | undefined) ?? 0, includeRetained: r.include_retained === true };
  compileTrigger(r, path, rule, context);
  const by = parts.by(r.by, at('by'), rule.pattern ? undefined : 'sensor');
  if (by) rule.by = by;
  if (r.window !== undefined) {
    if (rule.pattern) throw parts.errors.at(at('window'), 'windows go with single-event rules ("on"); patterns use "within"');
    rule.window = parts.window(r.window as Json, at('window'));
  }
  if (r.when !== undefined) rule.when = parts.expression(r.when, at('when'));
  const eventTime = parts.eventTime(r, path);
  if (eventTime) rule.eventTime = eventTime;
  if (r.do === undefined) throw parts.errors.at(at('do'), 'is required: what to do when the rule fires (publish, csv, set)');
  (r.do as Json[]).forEach((a, j) => rule.actions.push(parts.action(a, [...path, 'do', j], context.state)));
  return rule;
}

/** What makes the rule fire: `on` (one topic filter) or `events` with a `pattern` and `within`. */
function compileTrigger(r: Json, path: Path, rule: CompiledRule, { parts, dataNames }: RuleContext): void {
  const whole = parts.errors.item(path);
  if (r.on !== undefined && r.events !== undefined) throw parts.errors.at(path, 'use either "on" (one event) or "events" with "pattern", not both', undefined, whole);
  if (r.on !== undefined) {
    rule.events.push({ name: 'event', filter: parts.filter(r.on, [...path, 'on']) });
    if (r.pattern !== undefined || r.within !== undefined) throw parts.errors.at([...path, 'pattern'], '"pattern" and "within" go with "events", not with "on"');
    return;
  }
  if (r.events === undefined) throw parts.errors.at(path, 'needs "on" (a topic filter) or "events" with a "pattern"', undefined, whole);
  for (const [eventName, spec] of Object.entries(r.events as Json)) {
    const epath = [...path, 'events', eventName];
    parts.name(eventName, epath);
    if (RESERVED_NAMES.has(eventName) || dataNames.has(eventName)) throw parts.errors.at(epath, 'this name is taken by a built-in variable or a data source', eventName);
    const e = spec as Json;
    const event: EventSpec = { name: eventName, filter: parts.filter(e.topic, [...epath, 'topic']) };
    if (e.when !== undefined) event.when = parts.expression(e.when, [...epath, 'when']);
    rule.events.push(event);
  }
  if (rule.events.length === 0) throw parts.errors.at([...path, 'events'], 'names no event');
  if (r.pattern === undefined) throw parts.errors.at([...path, 'pattern'], 'is required with "events" (e.g. "A then B", "A and B", "A not followed by B")');
  rule.pattern = parts.pattern(r, rule.events, path);
}
