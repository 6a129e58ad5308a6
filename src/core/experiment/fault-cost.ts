/**
 * What a network fault cost: of the messages sent during its window (send time in [start, end),
 * as compare places messages in outage windows), how many were lost, arrived after it ended
 * (late) or during it (on time), and their latency (first arrival − publish). Pure: from compare's
 * tables and its per-message first arrivals.
 */
import type { ArrivalTable } from '../compare/arrival-table.js';
import type { SentTable } from '../compare/sent-table.js';
import { latencyStats } from '../compare/stats.js';
import type { FaultClient, FaultKind } from './faults.js';

export interface FaultCost {
  /** As the report and faults.events.csv describe it: `blackhole recorder at 2s for 10s`. */
  fault: string;
  kind: FaultKind;
  client: FaultClient;
  /** Epoch ms, when the fault was switched on and off (from faults.events.csv). */
  start: number;
  end: number;
  sent: number;
  lost: number;
  late: number;
  on_time: number;
  /** Latency of those delivered (ms), null when none was. */
  latency_p50_ms: number | null;
  latency_max_ms: number | null;
}

export type FaultWindow = Pick<FaultCost, 'fault' | 'kind' | 'client' | 'start' | 'end'>;

export function faultCost(window: FaultWindow, sent: SentTable, arrivals: ArrivalTable, firstArrival: Int32Array): FaultCost {
  const cost: FaultCost = { ...window, sent: 0, lost: 0, late: 0, on_time: 0, latency_p50_ms: null, latency_max_ms: null };
  const latencies: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const at = sent.sendTime(i);
    if (!(at >= window.start && at < window.end)) continue;
    cost.sent++;
    const first = firstArrival[i]!;
    if (first < 0) {
      cost.lost++;
      continue;
    }
    const receivedAt = arrivals.receivedAt[first]!;
    if (receivedAt >= window.end) cost.late++;
    else cost.on_time++;
    const published = Number.isNaN(sent.publishedAt[i]!) ? arrivals.publishedAt[first]! : sent.publishedAt[i]!;
    if (!Number.isNaN(published)) latencies.push(receivedAt - published);
  }
  const stats = latencyStats(latencies);
  cost.latency_p50_ms = stats.p50;
  cost.latency_max_ms = stats.max;
  return cost;
}

/** Each fault's window from its start and end events (detail = its description); one still on at the end ends at `runEnd`. */
export function faultWindows(events: ReadonlyArray<{ at: number; event: string; detail?: string }>, faults: ReadonlyArray<Omit<FaultWindow, 'start' | 'end'>>, runEnd: number): FaultWindow[] {
  const out: FaultWindow[] = [];
  const used = new Set<number>();
  for (const f of faults) {
    const startIndex = events.findIndex((e, i) => !used.has(i) && e.event === 'fault_start' && e.detail === f.fault);
    if (startIndex < 0) continue;
    used.add(startIndex);
    const start = events[startIndex]!.at;
    const endIndex = events.findIndex((e, i) => !used.has(i) && e.event === 'fault_end' && e.at >= start && e.detail?.split(';')[0] === f.fault);
    if (endIndex >= 0) used.add(endIndex);
    out.push({ ...f, start, end: endIndex >= 0 ? events[endIndex]!.at : runEnd });
  }
  return out;
}
