import { Matcher, type Arrival, type MatchCounts, type SentMessage } from './match.js';

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
import type { ConnectionEvent } from './records.js';
import { latencyStats, type LatencyStats } from './stats.js';

export type { Arrival, SentMessage } from './match.js';

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

/** A growing list of numbers, 8 bytes each (a number[] of a million doubles boxes or copies as it grows). */
class Samples {
  private data = new Float64Array(256);
  private length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

class Accumulator {
  sent = 0;
  received = 0;
  delivered = 0;
  duplicates = 0;
  outOfOrder = 0;
  late = 0;
  valueMismatches = 0;
  latencies = new Samples();
  delays = new Samples();

  counts(): CompareCounts {
    return {
      sent: this.sent,
      received: this.received,
      delivered: this.delivered,
      lost: this.sent - this.delivered,
      duplicates: this.duplicates,
      out_of_order: this.outOfOrder,
      late: this.late,
      value_mismatches: this.valueMismatches,
      latency_ms: latencyStats(this.latencies.values()),
      delay_ms: latencyStats(this.delays.values()),
    };
  }
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
  sent: readonly SentMessage[],
  arrivals: readonly Arrival[],
  events: readonly ConnectionEvent[] = [],
  options: AnalyseOptions = {},
): { report: CompareReport; detail: CompareDetail } {
  const order = receiveOrder(arrivals);
  const matcher = new Matcher(sent, { byTimeAlone: options.expected !== undefined });
  const expected = options.expected ?? ((s: SentMessage) => s.value);
  const tolerance = options.tolerance ?? 1e-9;
  const matchOf = new Int32Array(arrivals.length);
  const arrivalKind = new Uint8Array(arrivals.length);
  const firstArrival = new Int32Array(sent.length).fill(-1);

  const all = new Accumulator();
  const bySensor = new Map<string, Accumulator>();
  const byQos = new Map<string, Accumulator>();
  // Each message's three accumulators (all, its sensor, its QoS), looked up once per distinct pair.
  const groups = new Map<string, Accumulator[]>();
  const accsOf: Accumulator[][] = sent.map((s) => {
    const key = `${s.sensor}\u0000${s.qos}`;
    let accs = groups.get(key);
    if (!accs) groups.set(key, (accs = [all, slice(bySensor, s.sensor), slice(byQos, String(s.qos))]));
    for (const acc of accs) acc.sent++;
    return accs;
  });

  let unexpected = 0;
  const highestSeqByTopic = new Map<string, number>();
  for (const i of order) {
    const arrival = arrivals[i]!;
    const index = matcher.match(arrival);
    matchOf[i] = index;
    if (index < 0) {
      arrivalKind[i] = ARRIVAL_UNEXPECTED;
      unexpected++;
      continue;
    }
    const s = sent[index]!;
    const accs = accsOf[index]!;
    for (const acc of accs) acc.received++;
    if (firstArrival[index]! >= 0) {
      arrivalKind[i] = ARRIVAL_DUPLICATE;
      for (const acc of accs) acc.duplicates++;
      continue;
    }
    arrivalKind[i] = ARRIVAL_FIRST;
    firstArrival[index] = i;
    const highest = highestSeqByTopic.get(s.topic);
    const outOfOrder = highest !== undefined && s.seq < highest;
    if (!outOfOrder) highestSeqByTopic.set(s.topic, s.seq);
    const from = s.publishedAt ?? arrival.publishedAt;
    const mismatch = arrival.value !== undefined && !sameValue(arrival.value, expected(s), tolerance);
    for (const acc of accs) {
      acc.delivered++;
      if (outOfOrder) acc.outOfOrder++;
      if (mismatch) acc.valueMismatches++;
      if (from !== undefined) acc.latencies.push(arrival.receivedAt - from);
      if (s.plannedAt !== undefined) acc.delays.push(arrival.receivedAt - s.plannedAt);
    }
  }

  const windows = outageWindows(events);
  const outages: OutageReport[] = windows.map((w) => ({ start: w.start, end: w.end, kind: w.kind, sources: w.sources, sent: 0, lost: 0, late: 0, on_time: 0 }));
  sent.forEach((s, index) => {
    const w = windowIndexAt(windows, sendTime(s));
    if (w < 0) return;
    const outage = outages[w]!;
    outage.sent++;
    const first = firstArrival[index]!;
    if (first < 0) outage.lost++;
    else if (outage.end !== null && arrivals[first]!.receivedAt >= outage.end) {
      outage.late++;
      for (const acc of accsOf[index]!) acc.late++;
    } else outage.on_time++;
  });

  const report: CompareReport = {
    ...all.counts(),
    received: all.received + unexpected,
    unexpected,
    match: { ...matcher.counts, rule: matcher.rule },
    outages,
    by_sensor: toRecord(bySensor),
    by_qos: toRecord(byQos),
    sent_span: span(sent.map(sendTime)),
    received_span: span(arrivals.map((a) => a.receivedAt)),
  };
  return { report, detail: { order, matchOf, arrivalKind, firstArrival, windows } };
}

/** Just the numbers (what experiment puts in its report). */
export function computeReport(sent: readonly SentMessage[], arrivals: readonly Arrival[], events: readonly ConnectionEvent[] = []): CompareReport {
  return analyse(sent, arrivals, events).report;
}

/** Arrival indices by received_at, ties in input order; a file already in order is not re-sorted. */
function receiveOrder(arrivals: readonly Arrival[]): Uint32Array {
  const times = new Float64Array(arrivals.length);
  let sorted = true;
  for (let i = 0; i < arrivals.length; i++) {
    times[i] = arrivals[i]!.receivedAt;
    if (i > 0 && times[i]! < times[i - 1]!) sorted = false;
  }
  const order = Uint32Array.from({ length: arrivals.length }, (_, i) => i);
  return sorted ? order : order.sort((a, b) => times[a]! - times[b]! || a - b);
}

function slice(map: Map<string, Accumulator>, key: string): Accumulator {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = new Accumulator()));
  return acc;
}

function toRecord(map: Map<string, Accumulator>): Record<string, CompareCounts> {
  const out: Record<string, CompareCounts> = {};
  for (const key of [...map.keys()].sort()) out[key] = map.get(key)!.counts();
  return out;
}

function span(times: number[]): { first: number; last: number } | null {
  if (times.length === 0) return null;
  let first = Infinity;
  let last = -Infinity;
  for (const t of times) {
    if (t < first) first = t;
    if (t > last) last = t;
  }
  return { first, last };
}
