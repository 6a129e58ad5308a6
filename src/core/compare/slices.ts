import type { CompareCounts } from './report.js';
import type { SentTable } from './sent-table.js';
import { latencyStats, type LatencyStats } from './stats.js';

/** Running counts of one slice of the comparison: everything, one sensor, or one QoS. */
export class Accumulator {
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
      // sent = delivered + lost, by construction.
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
 * The slices every sent message counts in: all, its sensor, its QoS. Messages of the same
 * (sensor, QoS) share one group of those three accumulators, and per message only the group's
 * number is kept (4 bytes, not three references).
 */
export class Slices {
  readonly all = new Accumulator();
  readonly bySensor = new Map<string, Accumulator>();
  readonly byQos = new Map<string, Accumulator>();
  readonly groups: Accumulator[][] = [];
  readonly groupOf: Int32Array;

  /** Counts every message as sent in its slices. */
  constructor(sent: SentTable) {
    this.groupOf = new Int32Array(sent.length);
    const groupIds = new Map<number, number>();
    for (let i = 0; i < sent.length; i++) {
      const key = sent.sensorId[i]! * 4 + sent.qos[i]!;
      let g = groupIds.get(key);
      if (g === undefined) {
        g = this.groups.length;
        groupIds.set(key, g);
        this.groups.push([this.all, slice(this.bySensor, sent.sensor(i)), slice(this.byQos, String(sent.qos[i]))]);
      }
      this.groupOf[i] = g;
      for (const acc of this.groups[g]!) acc.sent++;
    }
  }

  /** The accumulators sent message `index` counts in. */
  of(index: number): Accumulator[] {
    return this.groups[this.groupOf[index]!]!;
  }

  /** Every slice's counts, with latency and delay statistics from one sample per message (NaN: none). */
  counts(latencyOf: Float64Array, delayOf: Float64Array): { all: CompareCounts; bySensor: Record<string, CompareCounts>; byQos: Record<string, CompareCounts> } {
    const latencies = statsOf(latencyOf, (acc) => acc.latencies, this.all, this.groups, this.groupOf);
    const delays = statsOf(delayOf, (acc) => acc.delays, this.all, this.groups, this.groupOf);
    const counts = (acc: Accumulator): CompareCounts => acc.counts(latencies.get(acc) ?? latencyStats([]), delays.get(acc) ?? latencyStats([]));
    return { all: counts(this.all), bySensor: toRecord(this.bySensor, counts), byQos: toRecord(this.byQos, counts) };
  }
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
