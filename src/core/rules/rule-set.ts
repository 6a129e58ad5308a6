import type { CompiledExpression, ScalarValue } from '../expression/evaluate.js';
import type { CompiledTemplate } from '../expression/template.js';
import type { PayloadFormat } from '../mqtt/payload.js';
import type { Qos } from '../records.js';
import type { Locate } from '../schema/json-lines.js';
import { compileRules } from './compile-rules.js';

/**
 * The rules file (YAML or JSON), validated (schema/rules-schema.ts) and compiled
 * (compile-rules.ts). Every error names the file, the line when known, the rule and the field. Transforms (exercise 14) and ECA rules (exercise 15)
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

/** What becomes of an event later than the watermark (event time only). */
export type LatePolicy = 'drop' | 'correct' | 'route';

/**
 * `time: event`: windows, `within` and absences are measured on the readings' own times; a
 * watermark trailing the newest time by `latenessMs` releases events in time order
 * (core/rules/event-time.ts); events before it are late and handled by `late`.
 */
export interface EventTimeSpec {
  latenessMs: number;
  late: LatePolicy;
  /** With `late: route`: where late events go, as they came. */
  lateTopic?: CompiledTemplate;
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
  /** Absent: arrival time (the default). */
  eventTime?: EventTimeSpec;
}

export type Action =
  | { kind: 'derive'; topic: CompiledTemplate; value: CompiledExpression; format: PayloadFormat | 'same'; qos: Qos; retain: boolean }
  | { kind: 'publish'; topic: CompiledTemplate; payload?: CompiledTemplate; json?: Array<[string, CompiledExpression]>; qos: Qos; retain: boolean }
  | { kind: 'csv'; file: string; columns: Array<[string, CompiledExpression]> }
  | { kind: 'set'; assignments: Array<[string, CompiledExpression]> };

export type { Locate };
export { RESERVED_NAMES } from './compile-rules.js';

/** Validates a parsed rules document. `locate` maps a path in the document to its line. */
export function compileRuleSet(raw: unknown, file: string, locate?: Locate): RuleSet {
  return compileRules(raw, file, locate);
}
