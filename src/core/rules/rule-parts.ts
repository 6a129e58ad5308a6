import { durationToMs } from '../duration.js';
import { compileExpression, type CompiledExpression, type ScalarValue } from '../expression/evaluate.js';
import { compileTemplate, type CompiledTemplate } from '../expression/template.js';
import { topicProblem } from '../mqtt/topic-template.js';
import type { Path } from '../schema/validate.js';
import type { RuleErrors } from './rule-errors.js';
import type { Action, EventSpec, EventTimeSpec, LatePolicy, Pattern, WindowSpec } from './rule-set.js';
import { filterProblem } from './topic.js';

type Json = Record<string, unknown>;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The checks the schema cannot make, on values it has already vouched for (types, known fields,
 * ranges): names, topic filters, expressions, templates, patterns. Each takes the value's path,
 * which is all an error needs to name the file, line, rule and field.
 */
export class RuleParts {
  constructor(readonly errors: RuleErrors) {}

  name(name: string, path: Path): void {
    if (!NAME.test(name) || name.startsWith('__')) throw this.errors.at(path, 'a name must be letters, digits and _ (not starting with a digit or __)', name);
  }

  filter(value: unknown, path: Path): string {
    const filter = String(value);
    const problem = filterProblem(filter);
    if (problem) throw this.errors.at(path, problem, filter);
    return filter;
  }

  expression(value: unknown, path: Path): CompiledExpression {
    try {
      return compileExpression(String(value));
    } catch (error) {
      throw this.errors.at(path, (error as Error).message);
    }
  }

  template(value: unknown, path: Path): CompiledTemplate {
    try {
      return compileTemplate(String(value));
    } catch (error) {
      throw this.errors.at(path, (error as Error).message);
    }
  }

  topicTemplate(value: unknown, path: Path): CompiledTemplate {
    const template = this.template(value, path);
    const problem = template.fixed ? topicProblem(template.source) : undefined;
    if (problem) throw this.errors.at(path, problem, template.source);
    return template;
  }

  /** `by` absent: the fallback expression (if any); false/null: one partition for everything. */
  by(value: unknown, path: Path, fallback: string | undefined): CompiledExpression | undefined {
    if (value === false || value === null) return undefined;
    if (value === undefined) return fallback === undefined ? undefined : compileExpression(fallback);
    return this.expression(value, path);
  }

  window(value: Json, path: Path): WindowSpec {
    const spec: WindowSpec = {};
    if (value.count !== undefined) spec.count = value.count as number;
    if (value.duration !== undefined) spec.durationMs = durationToMs(value.duration)!;
    if (spec.count === undefined && spec.durationMs === undefined) throw this.errors.at(path, 'needs "count" (last N events) or "duration" (e.g. 30s), or both');
    return spec;
  }

  /**
   * `time: event` with its `lateness` (default 0), `late` (default drop) and `late_topic` (with
   * `late: route` only); undefined for arrival time, which takes none of the three.
   */
  eventTime(rule: Json, path: Path): EventTimeSpec | undefined {
    const extras = ['lateness', 'late', 'late_topic'].filter((field) => rule[field] !== undefined);
    if (rule.time !== 'event') {
      if (extras.length > 0) throw this.errors.at([...path, extras[0]!], 'goes with "time: event" (arrival time has no watermark)');
      return undefined;
    }
    const spec: EventTimeSpec = { latenessMs: rule.lateness === undefined ? 0 : durationToMs(rule.lateness)!, late: (rule.late as LatePolicy | undefined) ?? 'drop' };
    if (spec.late === 'route') {
      if (rule.late_topic === undefined) throw this.errors.at([...path, 'late_topic'], 'is required with "late: route" (where late events go, e.g. late/{sensor})');
      spec.lateTopic = this.topicTemplate(rule.late_topic, [...path, 'late_topic']);
    } else if (rule.late_topic !== undefined) throw this.errors.at([...path, 'late_topic'], 'goes with "late: route"');
    return spec;
  }

  /** `A then B [then C…]`, `A and B [and C…]`, `A not followed by B`, or one event alone. */
  pattern(rule: Json, events: EventSpec[], path: Path): Pattern {
    const text = String(rule.pattern).trim();
    const at = [...path, 'pattern'];
    const index = (name: string): number => {
      const i = events.findIndex((e) => e.name === name);
      if (i < 0) throw this.errors.at(at, `"${name}" is not one of the events (${events.map((e) => e.name).join(', ')})`, text);
      return i;
    };
    let pattern: Omit<Pattern, 'withinMs'>;
    const absent = /^(\w+)\s+not\s+followed\s+by\s+(\w+)$/i.exec(text);
    if (absent) pattern = { kind: 'absent', steps: [index(absent[1]!), index(absent[2]!)] };
    else if (/^\w+(\s+then\s+\w+)+$/i.test(text)) pattern = { kind: 'then', steps: text.split(/\s+then\s+/i).map(index) };
    else if (/^\w+(\s+and\s+\w+)+$/i.test(text)) {
      const steps = text.split(/\s+and\s+/i).map(index);
      if (new Set(steps).size !== steps.length) throw this.errors.at(at, '"and" needs distinct events', text);
      pattern = { kind: 'and', steps };
    } else if (/^\w+$/.test(text)) pattern = { kind: 'then', steps: [index(text)] };
    else throw this.errors.at(at, 'expected "A then B [then C...]", "A and B [and C...]" or "A not followed by B"', text);
    if (rule.within === undefined) throw this.errors.at([...path, 'within'], 'is required with a pattern (e.g. within: 30s)');
    return { ...pattern, withinMs: durationToMs(rule.within)! };
  }

  /** `name: expression` pairs; with `declared`, each name must be a declared state variable. */
  assignments(value: Json, path: Path, declared?: Record<string, ScalarValue>): Array<[string, CompiledExpression]> {
    return Object.entries(value).map(([name, expr]) => {
      if (declared && !Object.hasOwn(declared, name)) throw this.errors.at([...path, name], `is not declared under "state" (declared: ${Object.keys(declared).join(', ') || 'none'})`);
      if (!declared && !/^[A-Za-z0-9_.-]+$/.test(name)) throw this.errors.at([...path, name], 'a column or field name must be letters, digits, _ . -', name);
      return [name, this.expression(expr, [...path, name])];
    });
  }

  action(value: Json, path: Path, state: Record<string, ScalarValue>): Action {
    if (value.publish !== undefined) return this.publish(value.publish as Json, [...path, 'publish']);
    if (value.csv !== undefined) {
      const csv = value.csv as Json;
      return { kind: 'csv', file: String(csv.file), columns: this.assignments(csv.columns as Json, [...path, 'csv', 'columns']) };
    }
    return { kind: 'set', assignments: this.assignments(value.set as Json, [...path, 'set'], state) };
  }

  private publish(p: Json, path: Path): Action {
    const action: Action = {
      kind: 'publish',
      topic: this.topicTemplate(p.topic, [...path, 'topic']),
      qos: (p.qos as 0 | 1 | 2 | undefined) ?? 0,
      retain: p.retain === true,
    };
    if (p.payload !== undefined && p.json !== undefined) throw this.errors.at(path, 'use "payload" (a text template) or "json" (fields from expressions), not both');
    if (p.payload !== undefined) action.payload = this.template(p.payload, [...path, 'payload']);
    if (p.json !== undefined) action.json = this.assignments(p.json as Json, [...path, 'json']);
    return action;
  }
}
