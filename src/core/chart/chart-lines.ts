import { ARRIVAL_DUPLICATE, ARRIVAL_FIRST, type CompareDetail } from '../compare/report.js';
import type { ArrivalTable } from '../compare/arrival-table.js';
import type { OutageWindow } from '../compare/outages.js';
import type { SentTable } from '../compare/sent-table.js';
import type { ChartPoint, LatencyPoint } from './chart-data.js';
import { minMaxIndices } from './downsample.js';

// Everything per sensor is kept in typed arrays (8 bytes a value) and downsampled before any
// point object is made: a million messages would otherwise be millions of short-lived objects.

/** What a tooltip tells of a message: its seq and times (epoch ms), where known. */
export interface MessageFacts {
  seq?: number;
  /** The send time the chart places it at (published, else planned). */
  sent_at?: number;
  published_at?: number;
  /** Its first arrival. */
  received_at?: number;
  latency_ms?: number;
}

/** The facts of sent message i (published time from the arrival when the sent log has none). */
export function messageFacts(sent: SentTable, arrivals: ArrivalTable, firstArrival: Int32Array, sendTimes: Float64Array, i: number): MessageFacts {
  const facts: MessageFacts = { seq: sent.seq[i]!, sent_at: sendTimes[i]! };
  const first = firstArrival[i]!;
  const published = Number.isNaN(sent.publishedAt[i]!) && first >= 0 ? arrivals.publishedAt[first]! : sent.publishedAt[i]!;
  if (!Number.isNaN(published)) facts.published_at = published;
  if (first >= 0) {
    facts.received_at = arrivals.receivedAt[first]!;
    if (!Number.isNaN(published)) facts.latency_ms = round3(facts.received_at - published);
  }
  return facts;
}

/** Sent messages by sensor; sensors numbered in order of first appearance, the order series are drawn in. */
export interface SensorGroups {
  names: string[];
  /** Per sent message: its sensor's number. */
  sensorOf: Int32Array;
  /** Per sent message: its send time (see sendTime()). */
  sendTimes: Float64Array;
  /** Per sensor: how many messages it sent. */
  counts: number[];
}

export function groupBySensor(sent: SentTable): SensorGroups {
  const ids = new Map<string, number>();
  const sensorOf = new Int32Array(sent.length);
  const sendTimes = new Float64Array(sent.length);
  const counts: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const sensor = sent.sensor(i);
    let id = ids.get(sensor);
    if (id === undefined) {
      ids.set(sensor, (id = ids.size));
      counts.push(0);
    }
    sensorOf[i] = id;
    sendTimes[i] = sent.sendTime(i);
    counts[id]!++;
  }
  return { names: [...ids.keys()], sensorOf, sendTimes, counts };
}

/** One sensor's messages by send time: their indices, send times (xs) and sent values (ys). */
export function sensorMessages(sent: SentTable, groups: SensorGroups, id: number): { indices: Int32Array; xs: Float64Array; ys: Float64Array } {
  const { sensorOf, sendTimes } = groups;
  const indices = indicesOf(sensorOf, id, groups.counts[id]!);
  if (!ascending(indices, sendTimes)) indices.sort((a, b) => sendTimes[a]! - sendTimes[b]! || a - b);
  const xs = new Float64Array(indices.length);
  const ys = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    xs[k] = sendTimes[indices[k]!]!;
    ys[k] = sent.value[indices[k]!]!;
  }
  return { indices, xs, ys };
}

/**
 * Latency (arrival − publish) and delay (arrival − planned send) of each of one sensor's
 * delivered messages, against its send time, downsampled: delay points first, then latency.
 */
export function latencyLines(sent: SentTable, arrivals: ArrivalTable, firstArrival: Int32Array, sensor: string, messages: { indices: Int32Array; xs: Float64Array }, columns: number, facts: (i: number) => MessageFacts): LatencyPoint[] {
  const n = messages.indices.length;
  const latT = new Float64Array(n);
  const latV = new Float64Array(n);
  const latI = new Int32Array(n);
  const delayT = new Float64Array(n);
  const delayV = new Float64Array(n);
  const delayI = new Int32Array(n);
  let nLat = 0;
  let nDelay = 0;
  for (let k = 0; k < n; k++) {
    const i = messages.indices[k]!;
    const first = firstArrival[i]!;
    if (first < 0) continue;
    const receivedAt = arrivals.receivedAt[first]!;
    const published = sent.publishedAt[i]!;
    const from = Number.isNaN(published) ? arrivals.publishedAt[first]! : published;
    const planned = sent.plannedAt[i]!;
    const t = messages.xs[k]!;
    if (!Number.isNaN(from)) {
      latT[nLat] = t;
      latI[nLat] = i;
      latV[nLat++] = round3(receivedAt - from);
    }
    if (!Number.isNaN(planned)) {
      delayT[nDelay] = t;
      delayI[nDelay] = i;
      delayV[nDelay++] = round3(receivedAt - planned);
    }
  }
  const latency: LatencyPoint[] = [];
  for (const [series, ts, vs, is, count] of [['delay', delayT, delayV, delayI, nDelay], ['latency', latT, latV, latI, nLat]] as const) {
    const tv = ts.subarray(0, count);
    const vv = vs.subarray(0, count);
    for (const k of minMaxIndices(tv, vv, columns)) {
      const { latency_ms: _, ...rest } = facts(is[k]!);
      latency.push({ series, sensor, t: tv[k]!, latency_ms: vv[k]!, ...rest });
    }
  }
  return latency;
}

/**
 * First arrivals per sensor in receive order (times and values received, or sent when the
 * arrival carried none), the sensors in the order they first arrived, and every duplicate as a
 * marker at its receive time.
 */
export function arrivalsBySensor(sent: SentTable, arrivals: ArrivalTable, detail: CompareDetail, groups: SensorGroups, facts: (i: number) => MessageFacts): { lines: ArrivalLine[]; arrivalOrder: number[]; duplicates: ChartPoint[] } {
  // Counted first, then filled into typed arrays of the right size.
  const count = new Int32Array(groups.names.length);
  for (const i of detail.order) {
    const index = detail.matchOf[i]!;
    if (index >= 0 && detail.arrivalKind[i] === ARRIVAL_FIRST) count[groups.sensorOf[index]!]!++;
  }
  const lines = groups.names.map((_, id): ArrivalLine => ({ times: new Float64Array(count[id]!), values: new Float64Array(count[id]!), indices: new Int32Array(count[id]!) }));
  const filled = new Int32Array(groups.names.length);
  const arrivalOrder: number[] = [];
  const duplicates: ChartPoint[] = [];
  for (const i of detail.order) {
    const index = detail.matchOf[i]!;
    if (index < 0) continue;
    const received = arrivals.value[i]!;
    const value = Number.isNaN(received) ? sent.value[index]! : received;
    const receivedAt = arrivals.receivedAt[i]!;
    const kind = detail.arrivalKind[i]!;
    if (kind === ARRIVAL_DUPLICATE) duplicates.push({ series: 'duplicate', sensor: sent.sensor(index), t: receivedAt, value, ...facts(index), received_at: receivedAt });
    else if (kind === ARRIVAL_FIRST) {
      const id = groups.sensorOf[index]!;
      const k = filled[id]!++;
      if (k === 0) arrivalOrder.push(id);
      lines[id]!.times[k] = receivedAt;
      lines[id]!.values[k] = value;
      lines[id]!.indices[k] = index;
    }
  }
  return { lines, arrivalOrder, duplicates };
}

/** One sensor's first arrivals in receive order: when, the value, and which sent message. */
export interface ArrivalLine {
  times: Float64Array;
  values: Float64Array;
  indices: Int32Array;
}

/**
 * One sensor's received line, downsampled. Where an outage silenced the sensor — two successive
 * arrivals with at least half of a closed outage window between them (nothing at all during
 * it, or only what was in flight when it began) — the line breaks (a null point) instead of
 * drawing a straight segment through the gap as if readings had arrived.
 */
export function receivedLine(sensor: string, line: ArrivalLine, windows: readonly OutageWindow[], columns: number, facts: (i: number) => MessageFacts): ChartPoint[] {
  const { times: ts, values: vs } = line;
  const gaps = silentGaps(ts, windows);
  const points: ChartPoint[] = [];
  let previous: number | undefined;
  for (const k of minMaxIndices(ts, vs, columns)) {
    const t = ts[k]!;
    if (previous !== undefined && gaps.some((g) => previous! <= g.from && t >= g.to)) points.push({ series: 'received', sensor, t: (previous + t) / 2, value: null });
    points.push({ series: 'received', sensor, t, value: vs[k]!, ...facts(line.indices[k]!) });
    previous = t;
  }
  return points;
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The `count` positions where `of` holds `id`, ascending. */
function indicesOf(of: Int32Array, id: number, count: number): Int32Array {
  const out = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < of.length && n < count; i++) if (of[i] === id) out[n++] = i;
  return n === count ? out : out.subarray(0, n);
}

/** Whether the messages are already in send-time order (a sent log is): then no sort. */
function ascending(indices: Int32Array, times: Float64Array): boolean {
  for (let k = 1; k < indices.length; k++) if (times[indices[k]!]! < times[indices[k - 1]!]!) return false;
  return true;
}

/**
 * Per closed window, the widest gap between successive arrivals within it, when it covers at
 * least half the window (times ascending; arrivals downsampled later keep their order).
 */
function silentGaps(times: Float64Array, windows: readonly OutageWindow[]): Array<{ from: number; to: number }> {
  const gaps: Array<{ from: number; to: number }> = [];
  for (const w of windows) {
    if (w.end === null) continue;
    let best = { from: 0, to: 0, overlap: -1 };
    // From the last arrival before the window to the first after it.
    for (let k = Math.max(1, firstAtOrAfter(times, w.start)); k < times.length; k++) {
      const from = times[k - 1]!;
      const to = times[k]!;
      const overlap = Math.min(to, w.end) - Math.max(from, w.start);
      if (overlap > best.overlap) best = { from, to, overlap };
      if (to >= w.end) break;
    }
    if (best.overlap >= (w.end - w.start) / 2 && best.overlap > 0) gaps.push({ from: best.from, to: best.to });
  }
  return gaps;
}

/** The first position whose time is at or after `at` (binary search over ascending times). */
function firstAtOrAfter(ascendingTimes: Float64Array, at: number): number {
  let lo = 0;
  let hi = ascendingTimes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascendingTimes[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
