import { accountArrivals, valueCheck } from './arrival-accounting.js';
import { ArrivalTable, type Arrival } from './arrival-table.js';
import { Matcher, type MatchCounts } from './match.js';
import { attributeOutages } from './outage-attribution.js';
import { outageWindows, type OutageWindow } from './outages.js';
import type { ConnectionEvent } from '../records.js';
import { SentTable, type SentMessage } from './sent-table.js';
import { Slices } from './slices.js';
import type { LatencyStats } from './stats.js';

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
export type { Arrival } from './arrival-table.js';
export type { SentMessage } from './sent-table.js';
export { ArrivalTable, SentTable };
export { ARRIVAL_DUPLICATE, ARRIVAL_FIRST, ARRIVAL_UNEXPECTED } from './arrival-accounting.js';

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

/** The moment a message counts as sent, for placing it in an outage window and on the chart. */
export function sendTime(s: SentMessage): number {
  return s.plannedAt ?? s.publishedAt ?? s.profileTime;
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
  const slices = new Slices(sent);
  const { matchOf, arrivalKind, firstArrival, latencyOf, delayOf, unexpected } = accountArrivals(sent, arrivals, order, matcher, slices, valueCheck(sent, options));
  const windows = outageWindows(events);
  const outages = attributeOutages(windows, sent, arrivals, firstArrival, slices);
  const { all, bySensor, byQos } = slices.counts(latencyOf, delayOf);
  const report: CompareReport = {
    ...all,
    // The slices count matched arrivals only: received = delivered + duplicates + unexpected.
    received: all.received + unexpected,
    unexpected,
    match: { ...matcher.counts, rule: matcher.rule },
    outages,
    by_sensor: bySensor,
    by_qos: byQos,
    sent_span: span(sendTimes(sent)),
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

function sendTimes(sent: SentTable): Float64Array {
  const times = new Float64Array(sent.length);
  for (let i = 0; i < sent.length; i++) times[i] = sent.sendTime(i);
  return times;
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
