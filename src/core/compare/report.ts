import { ArrivalTable, Matcher, SentTable, type Arrival, type MatchCounts, type SentMessage } from './match.js';

export interface AnalyseOptions {
  /**
   * The value each arrival should carry, when the received stream is derived from the sent one
   * (compare --expect 'sin(value)'); default: the value sent. Also turns on time-alone
   * matching, since a derived stream lives on other topics.
   */
  expected?: (sent: SentMessage) => number;
  /**
   * Largest difference still counted as equal, relative to max(1, |expected|). Default 1e-9;
   * derived values travel with 6 decimals, so --expect uses 1e-6.
   */
  tolerance?: number;
}
import { outageWindows, windowIndexAt, type OutageWindow } from './outages.js';
import type { ConnectionEvent } from '../records.js';
import { latencyStats, type LatencyStats } from './stats.js';

export type { Arrival, SentMessage } from './match.js';
export { ArrivalTable, SentTable } from './match.js';

/**
 * Counts for one slice of the comparison (everything, one sensor, or one QoS).
 *
 * Identities that always hold: `received = delivered + duplicates + unexpected` (whole report
 * only; slices have no unexpected) and `sent = delivered + lost`.
 */
export interface CompareCounts {
  /** Messages in the sent log (or profile rows). */
  sent: number;
  /** Arrivals, duplicates included (in a slice: arrivals matched to that slice's messages). */
  received: number;
  /** Distinct sent messages that arrived at least once. */
  delivered: number;
  /** Sent messages that never arrived. */
  lost: number;
  /** Arrivals beyond the first of a sent message (QoS 0/1 redeliveries, overlapping tracers). */
  duplicates: number;
  /**
   * First arrivals that came after a later-sent message of the same topic had already
   * arrived: in receive order, per topic, an arrival whose sent sequence is lower than the
   * highest sequence seen so far on that topic. Duplicates are not counted here.
   */
  out_of_order: number;
  /**
   * Delivered messages that were sent during an outage window (see `outages`) and first
   * arrived at or after the window's end.
   */
  late: number;
  /** Delivered messages whose first arrival carried a value different from the one sent. */
  value_mismatches: number;
  /**
   * First arrival's received_at minus the sent log's published_at (or, when the log has
   * none, the send time carried in the payload); duplicates are not measured.
   */
  latency_ms: LatencyStats;
  /**
   * First arrival's received_at minus the sent log's planned_at: how long a reader waited for
   * a reading, outage included (a message queued through an outage has a small latency — it
   * was published after the reconnect — but a delay as long as the outage). Empty for a bare
   * profile, which has no planned times. Always set by analyse(); optional in the type only
   * so reports built by hand elsewhere (experiment's tests) stay valid.
   */
  delay_ms?: LatencyStats;
}

export interface OutageReport {
  /** Epoch ms. */
  start: number;
  /** Epoch ms; null when the outage had not ended. */
  end: number | null;
  kind: 'broker' | 'client';
  sources: string[];
  /**
   * Messages "sent during" the window: their send time — planned_at, else published_at,
   * else profile_time — is at or after `start` and before `end`.
   */
  sent: number;
  /** Of those, never arrived. */
  lost: number;
  /** Of those, first arrived at or after `end`. */
  late: number;
  /** Of those, arrived before `end` (delivered = late + on_time). */
  on_time: number;
}

export interface CompareReport extends CompareCounts {
  /** Arrivals that match nothing sent: another publisher, or a seq that was never sent. */
  unexpected: number;
  match: MatchCounts;
  outages: OutageReport[];
  by_sensor: Record<string, CompareCounts>;
  by_qos: Record<string, CompareCounts>;
  /** Epoch ms spans of the inputs, null when empty. */
  sent_span: { first: number; last: number } | null;
  received_span: { first: number; last: number } | null;
}

/** Per-message and per-arrival outcome, for plots; indices refer to the inputs as given. */
export interface CompareDetail {
  /** Arrival indices sorted by received_at (ties keep input order). */
  order: Uint32Array;
  /** For each arrival: the sent index it matched, or -1 (unexpected). */
  matchOf: Int32Array;
  /** For each arrival: 0 first copy, 1 duplicate, 2 unexpected. */
  arrivalKind: Uint8Array;
  /** For each sent message: its first arrival's index, or -1 (lost). */
  firstArrival: Int32Array;
  windows: OutageWindow[];
}

export const ARRIVAL_FIRST = 0;
export const ARRIVAL_DUPLICATE = 1;
export const ARRIVAL_UNEXPECTED = 2;

/** The moment a message counts as sent, for placing it in an outage window and on the chart. */
export function sendTime(s: SentMessage): number {
  return s.plannedAt ?? s.publishedAt ?? s.profileTime;
}

class Accumulator {
  sent = 0;
  received = 0;
  delivered = 0;
  duplicates = 0;
  outOfOrder = 0;
  late = 0;
  valueMismatches = 0;
  latencies = 0;
  delays = 0;

  counts(latency: LatencyStats, delay: LatencyStats): CompareCounts {
    return {
      sent: this.sent,
      received: this.received,
      delivered: this.delivered,
      lost: this.sent - this.delivered,
      duplicates: this.duplicates,
      out_of_order: this.outOfOrder,
      late: this.late,
      value_mismatches: this.valueMismatches,
      latency_ms: latency,
      delay_ms: delay,
    };
  }
}

/**
 * Latency statistics of every accumulator from one sample per message (NaN: none), so a
 * message's sample is stored once (8 bytes), not once per slice it belongs to. A slice with as
 * many samples as the whole has the same samples (each goes to both): it reuses the whole's
 * statistics instead of sorting a million values again. Sample order does not matter:
 * latencyStats sorts before it sums.
 */
function statsOf(
  sampleOf: Float64Array,
  countOf: (acc: Accumulator) => number,
  all: Accumulator,
  groups: readonly Accumulator[][],
  groupOf: Int32Array,
): Map<Accumulator, LatencyStats> {
  const whole = new Float64Array(countOf(all));
  const own = new Map<Accumulator, { values: Float64Array; filled: number }>();
  for (const accs of groups) {
    for (const acc of accs) if (acc !== all && countOf(acc) !== whole.length && !own.has(acc)) own.set(acc, { values: new Float64Array(countOf(acc)), filled: 0 });
  }
  let n = 0;
  for (let i = 0; i < sampleOf.length; i++) {
    const v = sampleOf[i]!;
    if (Number.isNaN(v)) continue;
    whole[n++] = v;
    if (own.size === 0) continue;
    for (const acc of groups[groupOf[i]!]!) {
      const slot = own.get(acc);
      if (slot) slot.values[slot.filled++] = v;
    }
  }
  const wholeStats = latencyStats(whole);
  const out = new Map<Accumulator, LatencyStats>();
  for (const accs of groups) {
    for (const acc of accs) {
      if (out.has(acc)) continue;
      const slot = own.get(acc);
      out.set(acc, slot ? latencyStats(slot.values) : { ...wholeStats });
    }
  }
  out.set(all, wholeStats);
  return out;
}

function sameValue(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * The whole accounting of a comparison, from records in memory (pure: the readers and the
 * experiment feed it). Every number is a count over the inputs, so a fixture counted by hand
 * gives the same figures.
 */
export function analyse(
  sentInput: readonly SentMessage[] | SentTable,
  arrivalsInput: readonly Arrival[] | ArrivalTable,
  events: readonly ConnectionEvent[] = [],
  options: AnalyseOptions = {},
): { report: CompareReport; detail: CompareDetail } {
  // Columns, not objects: a million messages stay ~50 bytes each (readers build tables directly).
  const sent = SentTable.from(sentInput);
  const arrivals = ArrivalTable.from(arrivalsInput);
  const order = receiveOrder(arrivals.receivedAt.subarray(0, arrivals.length));
  const matcher = new Matcher(sent, { byTimeAlone: options.expected !== undefined });
  const expectedOf = options.expected;
  const tolerance = options.tolerance ?? 1e-9;
  const matchOf = new Int32Array(arrivals.length);
  const arrivalKind = new Uint8Array(arrivals.length);
  const firstArrival = new Int32Array(sent.length).fill(-1);
  // First arrival's latency and delay per message, NaN when not measured.
  const latencyOf = new Float64Array(sent.length).fill(NaN);
  const delayOf = new Float64Array(sent.length).fill(NaN);

  const all = new Accumulator();
  const bySensor = new Map<string, Accumulator>();
  const byQos = new Map<string, Accumulator>();
  // Each message's three accumulators (all, its sensor, its QoS): one group per distinct pair,
  // and per message only the group's number.
  const groups: Accumulator[][] = [];
  const groupIds = new Map<number, number>();
  const groupOf = new Int32Array(sent.length);
  for (let i = 0; i < sent.length; i++) {
    const key = sent.sensorId[i]! * 4 + sent.qos[i]!;
    let g = groupIds.get(key);
    if (g === undefined) {
      g = groups.length;
      groupIds.set(key, g);
      groups.push([all, slice(bySensor, sent.sensor(i)), slice(byQos, String(sent.qos[i]))]);
    }
    groupOf[i] = g;
    for (const acc of groups[g]!) acc.sent++;
  }

  let unexpected = 0;
  const highestSeqByTopic = new Map<number, number>();
  for (const i of order) {
    const index = matcher.matchAt(arrivals, i);
    matchOf[i] = index;
    if (index < 0) {
      arrivalKind[i] = ARRIVAL_UNEXPECTED;
      unexpected++;
      continue;
    }
    const accs = groups[groupOf[index]!]!;
    for (const acc of accs) acc.received++;
    if (firstArrival[index]! >= 0) {
      arrivalKind[i] = ARRIVAL_DUPLICATE;
      for (const acc of accs) acc.duplicates++;
      continue;
    }
    arrivalKind[i] = ARRIVAL_FIRST;
    firstArrival[index] = i;
    const seq = sent.seq[index]!;
    const topic = sent.topicId[index]!;
    const highest = highestSeqByTopic.get(topic);
    const outOfOrder = highest !== undefined && seq < highest;
    if (!outOfOrder) highestSeqByTopic.set(topic, seq);
    const receivedAt = arrivals.receivedAt[i]!;
    const published = sent.publishedAt[index]!;
    const from = Number.isNaN(published) ? arrivals.publishedAt[i]! : published;
    const planned = sent.plannedAt[index]!;
    const value = arrivals.value[i]!;
    const mismatch = !Number.isNaN(value) && !sameValue(value, expectedOf ? expectedOf(sent.get(index)) : sent.value[index]!, tolerance);
    const measured = !Number.isNaN(from);
    if (measured) latencyOf[index] = receivedAt - from;
    const timed = !Number.isNaN(planned);
    if (timed) delayOf[index] = receivedAt - planned;
    for (const acc of accs) {
      acc.delivered++;
      if (outOfOrder) acc.outOfOrder++;
      if (mismatch) acc.valueMismatches++;
      if (measured) acc.latencies++;
      if (timed) acc.delays++;
    }
  }

  const windows = outageWindows(events);
  const outages: OutageReport[] = windows.map((w) => ({ start: w.start, end: w.end, kind: w.kind, sources: w.sources, sent: 0, lost: 0, late: 0, on_time: 0 }));
  if (windows.length > 0) {
    for (let index = 0; index < sent.length; index++) {
      const w = windowIndexAt(windows, sent.sendTime(index));
      if (w < 0) continue;
      const outage = outages[w]!;
      outage.sent++;
      const first = firstArrival[index]!;
      if (first < 0) outage.lost++;
      else if (outage.end !== null && arrivals.receivedAt[first]! >= outage.end) {
        outage.late++;
        for (const acc of groups[groupOf[index]!]!) acc.late++;
      } else outage.on_time++;
    }
  }

  const sendTimes = new Float64Array(sent.length);
  for (let i = 0; i < sent.length; i++) sendTimes[i] = sent.sendTime(i);
  const latencies = statsOf(latencyOf, (acc) => acc.latencies, all, groups, groupOf);
  const delays = statsOf(delayOf, (acc) => acc.delays, all, groups, groupOf);
  const counts = (acc: Accumulator): CompareCounts => acc.counts(latencies.get(acc) ?? latencyStats([]), delays.get(acc) ?? latencyStats([]));
  const report: CompareReport = {
    ...counts(all),
    received: all.received + unexpected,
    unexpected,
    match: { ...matcher.counts, rule: matcher.rule },
    outages,
    by_sensor: toRecord(bySensor, counts),
    by_qos: toRecord(byQos, counts),
    sent_span: span(sendTimes),
    received_span: span(arrivals.receivedAt.subarray(0, arrivals.length)),
  };
  return { report, detail: { order, matchOf, arrivalKind, firstArrival, windows } };
}

/** Just the numbers (what experiment puts in its report). */
export function computeReport(sent: readonly SentMessage[] | SentTable, arrivals: readonly Arrival[] | ArrivalTable, events: readonly ConnectionEvent[] = []): CompareReport {
  return analyse(sent, arrivals, events).report;
}

/** Arrival indices by received_at, ties in input order; a file already in order is not re-sorted. */
function receiveOrder(times: Float64Array): Uint32Array {
  let sorted = true;
  for (let i = 1; i < times.length; i++) {
    if (times[i]! < times[i - 1]!) {
      sorted = false;
      break;
    }
  }
  const order = new Uint32Array(times.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return sorted ? order : order.sort((a, b) => times[a]! - times[b]! || a - b);
}

function slice(map: Map<string, Accumulator>, key: string): Accumulator {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = new Accumulator()));
  return acc;
}

function toRecord(map: Map<string, Accumulator>, counts: (acc: Accumulator) => CompareCounts): Record<string, CompareCounts> {
  const out: Record<string, CompareCounts> = {};
  for (const key of [...map.keys()].sort()) out[key] = counts(map.get(key)!);
  return out;
}

function span(times: Float64Array): { first: number; last: number } | null {
  if (times.length === 0) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return { first, last };
}
