import { evaluateCondition, type ScalarValue, type Variables } from '../expression/evaluate.js';
import { decodeReading, formatNumber } from '../mqtt/payload.js';
import type { Qos } from '../records.js';
import { act, markCorrection, publishEmission, type Emission } from './actions.js';
import { EventTimeQueue } from './event-time.js';
import { DEFAULT_MAX_PARTITIONS, DEFAULT_PARTITION_IDLE_MS, PartitionKeys } from './partitions.js';
import type { CompiledRule, DataSource, RuleSet } from './rule-set.js';
import { PatternMatcher, type Occurrence } from './pattern.js';
import { MAX_DECODED_PAYLOAD_BYTES } from '../mqtt/payload.js';
import { RuleFilters, wildcardLevels } from './topic.js';
import { SlidingWindow } from './window.js';

/** A message as the processor received it. */
export interface InputMessage {
  topic: string;
  payload: Buffer | string;
  /** Arrival time, epoch ms: windows and `within` are measured on it, unless a rule says `time: event`. */
  at: number;
  retain?: boolean;
  qos?: Qos;
  userProperties?: Record<string, string | string[]>;
}

export type { CsvEmission, Emission, LateDropEmission, PublishEmission } from './actions.js';

/** Lookup tables by data-source name: key → row. A row keyed `*` is the default. */
export type LookupTables = Map<string, Map<string, Variables>>;

export interface RuleEngineOptions {
  tables?: LookupTables;
  /** Problems while evaluating (a missing variable, a type error): the firing is skipped. */
  onWarning?: (message: string) => void;
  /** Warnings per rule before they are only counted. */
  maxWarningsPerRule?: number;
  /** A partition key not seen for this long is forgotten (default 1 h; never less than the rules' longest window or `within`). */
  partitionIdleMs?: number;
  /** Past this many partition keys the least recently seen is forgotten (default 1,000,000). */
  maxPartitions?: number;
}

export interface RuleEngineStats {
  received: number;
  /** Received messages that matched at least one rule, transform or data topic. */
  matched: number;
  fired: Record<string, number>;
  emitted: number;
  errors: number;
  /** Event-time rules: events later than the watermark, by what became of them (`late` policy). */
  late: { dropped: number; corrected: number; routed: number };
  /** Partition keys forgotten: idle, or least recently seen past the cap (core/rules/partitions.ts). */
  evicted: number;
}

interface EventData {
  vars: Variables;
  id: string;
}

/** An event held by an event-time rule until the watermark passes it. */
interface HeldEvent {
  hits: number[];
  event: EventData;
  payload: string;
  topic: string;
}

/**
 * Runs a RuleSet: pure and synchronous. handle() takes one message and returns what to publish
 * or write; advance() fires the absences (`A not followed by B`) whose window has ended; the
 * caller owns the clock and schedules advance() at nextDeadline().
 */
export class RuleEngine {
  readonly stats: RuleEngineStats = { received: 0, matched: 0, fired: {}, emitted: 0, errors: 0, late: { dropped: 0, corrected: 0, routed: 0 }, evicted: 0 };
  private readonly tables: LookupTables;
  private readonly topicData = new Map<string, Variables>();
  private readonly states = new Map<string, Record<string, ScalarValue>>();
  private readonly windows = new Map<string, Map<string, SlidingWindow>>();
  private readonly matchers = new Map<string, PatternMatcher<EventData>>();
  private readonly warnings = new Map<string, number>();
  private readonly queues = new Map<string, EventTimeQueue<HeldEvent>>();
  private readonly partitions: PartitionKeys;
  /** The arrival time of the message being handled: partition keys age on it. */
  private arrivedAt = 0;
  private serial = 0;
  private readonly filters: RuleFilters;
  /** Rules whose partition key reads nothing but the event (`by` without `rule`): evaluated on the event itself, no copy. */
  private readonly byOnEvent = new Set<CompiledRule>();

  constructor(
    readonly ruleSet: RuleSet,
    private readonly options: RuleEngineOptions = {},
  ) {
    this.tables = options.tables ?? new Map();
    for (const rule of ruleSet.rules) {
      this.stats.fired[rule.name] = 0;
      if (rule.pattern) this.matchers.set(rule.name, new PatternMatcher<EventData>(rule.pattern, Number.POSITIVE_INFINITY));
      if (rule.window) this.windows.set(rule.name, new Map());
      if (rule.eventTime) this.queues.set(rule.name, new EventTimeQueue<HeldEvent>(rule.eventTime.latenessMs));
      if (rule.by && !/rule/.test(rule.by.source)) this.byOnEvent.add(rule);
    }
    this.filters = new RuleFilters(ruleSet);
    const longest = Math.max(0, ...ruleSet.rules.map((r) => Math.max(r.pattern?.withinMs ?? 0, r.window?.durationMs ?? 0) + (r.eventTime?.latenessMs ?? 0)));
    this.partitions = new PartitionKeys(Math.max(options.partitionIdleMs ?? DEFAULT_PARTITION_IDLE_MS, longest), options.maxPartitions ?? DEFAULT_MAX_PARTITIONS, (key) => this.forget(key));
  }

  /** Partition keys remembered now. */
  get partitionCount(): number {
    return this.partitions.size;
  }

  private forget(key: string): void {
    this.states.delete(key);
    for (const windows of this.windows.values()) windows.delete(key);
    for (const matcher of this.matchers.values()) matcher.forget(key);
    this.stats.evicted++;
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
    this.arrivedAt = message.at;
    const out = this.advance(message.at);
    let matched = false;
    for (const source of this.ruleSet.data) {
      if (source.kind === 'topic' && this.filters.matches(source.topic, message.topic)) {
        matched = true;
        this.topicData.set(source.name, this.eventVariables(message, source.topic).vars);
      }
    }
    for (const rule of this.ruleSet.rules) {
      if (message.retain && !rule.includeRetained) continue;
      const hits = this.filters.hits(rule, message.topic);
      if (hits === undefined) continue;
      matched = true;
      this.guard(rule, () => {
        const event = this.eventVariables(message, rule.events[hits[0]!]!.filter);
        if (rule.eventTime) out.push(...this.offerEventTime(rule, { hits, event, payload: event.vars.payload as string, topic: message.topic }, message.at));
        else out.push(...this.process(rule, hits, event, message.at));
      });
    }
    if (matched) this.stats.matched++;
    return out;
  }

  /** One event through one rule at time `at` (arrival, or the event's own time): its window or pattern, then the rule. */
  private process(rule: CompiledRule, hits: number[], event: EventData, at: number): Emission[] {
    const key = this.partitionKey(rule, event.vars);
    this.partitions.touch(key, this.arrivedAt);
    if (!rule.pattern) {
      if (rule.window && typeof event.vars.value === 'number') this.windowFor(rule, key).add(at, event.vars.value);
      return this.fire(rule, key, [{ event: hits[0]!, at, data: event }], at);
    }
    const passing = hits.filter((i) => {
      const when = rule.events[i]!.when;
      return !when || evaluateCondition(when, this.context(rule, key, event.vars, at));
    });
    const out: Emission[] = [];
    if (passing.length > 0) for (const match of this.matchers.get(rule.name)!.offer(key, passing, at, event)) out.push(...this.fire(rule, key, match, at));
    return out;
  }

  /**
   * `time: event`: a late event goes to the rule's `late` policy; an on-time one is held until
   * the watermark passes it (core/rules/event-time.ts), and what the watermark releases goes
   * through the rule in time order, followed by the absences the watermark ended.
   */
  private offerEventTime(rule: CompiledRule, held: HeldEvent, arrivedAt: number): Emission[] {
    const queue = this.queues.get(rule.name)!;
    const time = held.event.vars.time as number;
    if (queue.isLate(time)) return this.late(rule, held, time, arrivedAt);
    return this.released(rule, queue.offer(time, held), queue.watermark, arrivedAt);
  }

  /** What the watermark released, through the rule; emissions stamped with `arrivedAt` (when they were emitted: the log's `at`). */
  private released(rule: CompiledRule, events: Array<{ time: number; item: HeldEvent }>, watermark: number, arrivedAt: number): Emission[] {
    const out: Emission[] = [];
    for (const { time, item } of events) {
      // As in arrival time: absences due before this event fire first (a B exactly at the deadline still counts).
      out.push(...this.absencesDue(rule, time));
      this.guard(rule, () => out.push(...this.process(rule, item.hits, item.event, time)));
    }
    out.push(...this.absencesDue(rule, watermark));
    for (const emission of out) emission.at = arrivedAt;
    return out;
  }

  private late(rule: CompiledRule, held: HeldEvent, time: number, arrivedAt: number): Emission[] {
    const spec = rule.eventTime!;
    const cause = [held.event.id];
    if (spec.late === 'correct') {
      this.stats.late.corrected++;
      const out = this.process(rule, held.hits, held.event, time);
      for (const emission of out) {
        markCorrection(emission);
        emission.at = arrivedAt;
      }
      return out;
    }
    if (spec.late === 'route') {
      this.stats.late.routed++;
      const vars = { ...held.event.vars, rule: rule.name, now: arrivedAt };
      const emission = publishEmission(rule, spec.lateTopic!.render(vars), held.payload, rule.qos, false, cause, arrivedAt, { cause: cause.join(' ') });
      emission.late = 'routed';
      this.stats.emitted++;
      return [emission];
    }
    this.stats.late.dropped++;
    return [{ kind: 'late', rule: rule.name, at: arrivedAt, topic: held.topic, payload: held.payload, time, cause }];
  }

  /**
   * The end of the stream for event-time rules: everything still held is released (the
   * watermark moves to the newest time), so no event is left unprocessed when the processor stops.
   */
  flush(): Emission[] {
    const out: Emission[] = [];
    for (const rule of this.ruleSet.rules) {
      const queue = this.queues.get(rule.name);
      if (queue) out.push(...this.released(rule, queue.flush(), queue.watermark, this.arrivedAt));
    }
    return out;
  }

  /** Fires the absences of arrival-time rules that are due at `now`. */
  advance(now: number): Emission[] {
    const out: Emission[] = [];
    for (const rule of this.ruleSet.rules) if (!rule.eventTime && rule.pattern?.kind === 'absent') out.push(...this.absencesDue(rule, now));
    return out;
  }

  /** An absence is due once `now` (the clock, or an event-time rule's watermark) is past A + within. */
  private absencesDue(rule: CompiledRule, now: number): Emission[] {
    const matcher = this.matchers.get(rule.name);
    if (!matcher || rule.pattern?.kind !== 'absent') return [];
    const out: Emission[] = [];
    for (const { key, match } of matcher.due(now)) this.guard(rule, () => out.push(...this.fire(rule, key, match, now)));
    return out;
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const rule of this.ruleSet.rules) {
      // Event-time absences are due on the watermark, not on the clock.
      const at = rule.eventTime ? undefined : this.matchers.get(rule.name)?.nextDeadline();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  private fire(rule: CompiledRule, key: string, match: Array<Occurrence<EventData>>, now: number): Emission[] {
    const last = match[match.length - 1]!.data;
    // A single-event rule's event variables are made per rule and message: completed in place (a pattern's kept ones are copied).
    const vars = this.context(rule, key, last.vars, now, !rule.pattern);
    if (rule.pattern) for (const occurrence of match) vars[rule.events[occurrence.event]!.name] = occurrence.data.vars;
    const cause = match.map((o) => o.data.id);
    vars.cause = cause.join(' ');
    if (rule.when && !evaluateCondition(rule.when, vars)) return [];
    this.stats.fired[rule.name]!++;
    const out: Emission[] = [];
    const context = { key, cause, now, serial: this.serial, state: this.stateFor(key) };
    for (const action of rule.actions) {
      const emission = act(rule, action, vars, context);
      if (emission) out.push(emission);
    }
    this.stats.emitted += out.length;
    return out;
  }

  /** The variables of one message: its decoded fields plus where and when it came. */
  private eventVariables(message: InputMessage, filter: string): EventData {
    const text = typeof message.payload === 'string' ? message.payload : message.payload.toString('utf8');
    // Decoded from the text made once (a payload too big to look into stays bytes, as decodeReading wants it).
    const decoded = decodeReading(message.payload.length > MAX_DECODED_PAYLOAD_BYTES ? message.payload : text, message.userProperties);
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
    const key = rule.by.evaluate(this.byOnEvent.has(rule) ? event : { ...event, rule: rule.name });
    return typeof key === 'number' ? formatNumber(key) : String(key);
  }

  /** Everything an expression may read: the event, the partition's state and window, the data. */
  private context(rule: CompiledRule, key: string, event: Variables, now: number, inPlace = false): Variables {
    const vars: Variables = inPlace ? event : { ...event };
    vars.key = key;
    vars.rule = rule.name;
    vars.now = now;
    vars.state = { ...this.stateFor(key) };
    const window = this.windows.get(rule.name)?.get(key);
    if (window) {
      window.trim(now);
      vars.window = window.aggregates(now);
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
    }
    return state;
  }

  private windowFor(rule: CompiledRule, key: string): SlidingWindow {
    const windows = this.windows.get(rule.name)!;
    let window = windows.get(key);
    if (!window) {
      window = new SlidingWindow(rule.window!);
      windows.set(key, window);
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
