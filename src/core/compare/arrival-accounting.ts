import type { ArrivalTable } from './arrival-table.js';
import type { Matcher } from './match.js';
import type { AnalyseOptions } from './report.js';
import type { SentTable } from './sent-table.js';
import type { Slices } from './slices.js';

/** What an arrival turned out to be (CompareDetail.arrivalKind). */
export const ARRIVAL_FIRST = 0;
export const ARRIVAL_DUPLICATE = 1;
export const ARRIVAL_UNEXPECTED = 2;

/** The outcome of every arrival, and per sent message what its first arrival measured. */
export interface Deliveries {
  /** For each arrival: the sent index it matched, or -1 (unexpected). */
  matchOf: Int32Array;
  /** For each arrival: ARRIVAL_FIRST, ARRIVAL_DUPLICATE or ARRIVAL_UNEXPECTED. */
  arrivalKind: Uint8Array;
  /** For each sent message: its first arrival's index, or -1 (lost). */
  firstArrival: Int32Array;
  /** First arrival's latency and delay per message, NaN when not measured. */
  latencyOf: Float64Array;
  delayOf: Float64Array;
  /** Arrivals that matched nothing sent. */
  unexpected: number;
}

/**
 * Per topic, the highest sent sequence whose first copy has arrived: a first arrival below it
 * came after a later-sent message of its topic (out of order).
 */
export class TopicOrder {
  private readonly highestSeq = new Map<number, number>();

  /** Whether `seq` is behind its topic; if not, it becomes the topic's highest. */
  isBehind(topic: number, seq: number): boolean {
    const highest = this.highestSeq.get(topic);
    if (highest !== undefined && seq < highest) return true;
    this.highestSeq.set(topic, seq);
    return false;
  }
}

/**
 * Whether an arrival's value differs from what sent message `index` should carry (the value
 * sent, or `expected` of it), relative to max(1, |value|). An arrival without a value is not
 * a mismatch.
 */
export function valueCheck(sent: SentTable, options: AnalyseOptions): (index: number, value: number) => boolean {
  const expectedOf = options.expected;
  const tolerance = options.tolerance ?? 1e-9;
  return (index, value) => !Number.isNaN(value) && !sameValue(value, expectedOf ? expectedOf(sent.get(index)) : sent.value[index]!, tolerance);
}

function sameValue(a: number, b: number, tolerance: number): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Walks the arrivals in receive order and sorts each into a first copy, a duplicate or
 * unexpected, counting it in its message's slices. Every matched arrival is either the
 * message's first (delivered) or a later copy (duplicates), so per slice `received =
 * delivered + duplicates`; for the whole, `received = delivered + duplicates + unexpected`.
 * Lost is what was never delivered (`sent = delivered + lost`, see Accumulator).
 */
export function accountArrivals(
  sent: SentTable,
  arrivals: ArrivalTable,
  order: Uint32Array,
  matcher: Matcher,
  slices: Slices,
  mismatch: (index: number, value: number) => boolean,
): Deliveries {
  const matchOf = new Int32Array(arrivals.length);
  const arrivalKind = new Uint8Array(arrivals.length);
  const firstArrival = new Int32Array(sent.length).fill(-1);
  const latencyOf = new Float64Array(sent.length).fill(NaN);
  const delayOf = new Float64Array(sent.length).fill(NaN);
  const topicOrder = new TopicOrder();
  let unexpected = 0;
  for (const i of order) {
    const index = matcher.matchAt(arrivals, i);
    matchOf[i] = index;
    if (index < 0) {
      arrivalKind[i] = ARRIVAL_UNEXPECTED;
      unexpected++;
      continue;
    }
    const accs = slices.of(index);
    for (const acc of accs) acc.received++;
    if (firstArrival[index]! >= 0) {
      arrivalKind[i] = ARRIVAL_DUPLICATE;
      for (const acc of accs) acc.duplicates++;
      continue;
    }
    arrivalKind[i] = ARRIVAL_FIRST;
    firstArrival[index] = i;
    const outOfOrder = topicOrder.isBehind(sent.topicId[index]!, sent.seq[index]!);
    const receivedAt = arrivals.receivedAt[i]!;
    // Latency from the sent log's published_at, else from the send time the payload carried.
    const published = sent.publishedAt[index]!;
    const from = Number.isNaN(published) ? arrivals.publishedAt[i]! : published;
    const planned = sent.plannedAt[index]!;
    const mismatched = mismatch(index, arrivals.value[i]!);
    const measured = !Number.isNaN(from);
    if (measured) latencyOf[index] = receivedAt - from;
    const timed = !Number.isNaN(planned);
    if (timed) delayOf[index] = receivedAt - planned;
    for (const acc of accs) {
      acc.delivered++;
      if (outOfOrder) acc.outOfOrder++;
      if (mismatched) acc.valueMismatches++;
      if (measured) acc.latencies++;
      if (timed) acc.delays++;
    }
  }
  return { matchOf, arrivalKind, firstArrival, latencyOf, delayOf, unexpected };
}
