import { ARRIVAL_DUPLICATE, ARRIVAL_FIRST, type CompareDetail, type CompareReport } from '../compare/report.js';
import { minMaxIndices, thinMarkers } from './downsample.js';
import { ArrivalTable, SentTable, type Arrival, type SentMessage } from '../compare/match.js';

/** A point of the chart. t is epoch ms. */
export interface ChartPoint {
  series: 'sent' | 'received' | 'lost' | 'duplicate';
  sensor: string;
  t: number;
  /** null: a break in the received line (an outage with no arrivals). */
  value: number | null;
}

export interface LatencyPoint {
  /** latency: from publish; delay: from the planned send time (see CompareCounts). */
  series: 'latency' | 'delay';
  sensor: string;
  /** Send time, epoch ms: a late message shows its delay inside the outage it was sent in. */
  t: number;
  latency_ms: number;
}

export interface ChartData {
  points: ChartPoint[];
  latency: LatencyPoint[];
  outages: Array<{ series: 'outage'; start: number; end: number; label: string }>;
  /** Lost/duplicate markers beyond MAX_MARKERS are thinned; these say how many there were. */
  lostTotal: number;
  duplicateTotal: number;
  lostShown: number;
  duplicateShown: number;
  sensors: string[];
  tMin: number;
  tMax: number;
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

/** Whether any of the ascending times falls in [start, end). */
function anyWithin(ascendingTimes: Float64Array, start: number, end: number): boolean {
  let lo = 0;
  let hi = ascendingTimes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ascendingTimes[mid]! < start) lo = mid + 1;
    else hi = mid;
  }
  return lo < ascendingTimes.length && ascendingTimes[lo]! < end;
}

export interface ChartDataOptions {
  /** Columns to downsample lines into; about the plot's width in pixels. */
  columns?: number;
  /** Most lost (and most duplicate) markers drawn; beyond it, an even selection is drawn and the title says so. */
  maxMarkers?: number;
}

/**
 * What the plots draw, downsampled: sent values at their send time, first arrivals at their
 * receive time, a marker at every lost message (send time, sent value) and every duplicate
 * (receive time), latency against send time, and outage windows (an open one ends at the
 * last point). Lines are downsampled per sensor with min/max per column; markers are all kept
 * up to `maxMarkers`.
 */
export function chartData(sentInput: readonly SentMessage[] | SentTable, arrivalsInput: readonly Arrival[] | ArrivalTable, report: CompareReport, detail: CompareDetail, options: ChartDataOptions = {}): ChartData {
  const columns = options.columns ?? 1200;
  const maxMarkers = options.maxMarkers ?? 20_000;
  const sensors = Object.keys(report.by_sensor);
  const points: ChartPoint[] = [];
  const latency: LatencyPoint[] = [];
  const lost: ChartPoint[] = [];
  const duplicates: ChartPoint[] = [];

  // Everything per sensor is kept in typed arrays (8 bytes a value) and downsampled before any
  // point object is made: a million messages would otherwise be millions of short-lived objects.
  const sent = SentTable.from(sentInput);
  const arrivals = ArrivalTable.from(arrivalsInput);
  // Sensor ids in order of first appearance: the order the series are drawn in.
  const sensorIds = new Map<string, number>();
  const sensorOf = new Int32Array(sent.length);
  const sendTimes = new Float64Array(sent.length);
  const perSensor: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const sensor = sent.sensor(i);
    let id = sensorIds.get(sensor);
    if (id === undefined) {
      sensorIds.set(sensor, (id = sensorIds.size));
      perSensor.push(0);
    }
    sensorOf[i] = id;
    const t = sent.sendTime(i);
    sendTimes[i] = t;
    perSensor[id]!++;
    if (detail.firstArrival[i]! < 0) lost.push({ series: 'lost', sensor, t, value: sent.value[i]! });
  }
  const sensorNames = [...sensorIds.keys()];
  for (let id = 0; id < sensorNames.length; id++) {
    const sensor = sensorNames[id]!;
    const indices = indicesOf(sensorOf, id, perSensor[id]!);
    if (indices.length === 0) continue;
    if (!ascending(indices, sendTimes)) indices.sort((a, b) => sendTimes[a]! - sendTimes[b]! || a - b);
    const n = indices.length;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      xs[k] = sendTimes[indices[k]!]!;
      ys[k] = sent.value[indices[k]!]!;
    }
    for (const k of minMaxIndices(xs, ys, columns)) points.push({ series: 'sent', sensor, t: xs[k]!, value: ys[k]! });
    const latT = new Float64Array(n);
    const latV = new Float64Array(n);
    const delayT = new Float64Array(n);
    const delayV = new Float64Array(n);
    let nLat = 0;
    let nDelay = 0;
    for (let k = 0; k < n; k++) {
      const i = indices[k]!;
      const first = detail.firstArrival[i]!;
      if (first < 0) continue;
      const receivedAt = arrivals.receivedAt[first]!;
      const published = sent.publishedAt[i]!;
      const from = Number.isNaN(published) ? arrivals.publishedAt[first]! : published;
      const planned = sent.plannedAt[i]!;
      const t = xs[k]!;
      if (!Number.isNaN(from)) {
        latT[nLat] = t;
        latV[nLat++] = round3(receivedAt - from);
      }
      if (!Number.isNaN(planned)) {
        delayT[nDelay] = t;
        delayV[nDelay++] = round3(receivedAt - planned);
      }
    }
    for (const [series, ts, vs, count] of [['delay', delayT, delayV, nDelay], ['latency', latT, latV, nLat]] as const) {
      const tv = ts.subarray(0, count);
      const vv = vs.subarray(0, count);
      for (const k of minMaxIndices(tv, vv, columns)) latency.push({ series, sensor, t: tv[k]!, latency_ms: vv[k]! });
    }
  }

  // First arrivals per sensor, in receive order: counted first, then filled into typed arrays.
  const receivedCount = new Int32Array(sensorNames.length);
  for (const i of detail.order) {
    const index = detail.matchOf[i]!;
    if (index >= 0 && detail.arrivalKind[i] === ARRIVAL_FIRST) receivedCount[sensorOf[index]!]!++;
  }
  const recT = sensorNames.map((_, id) => new Float64Array(receivedCount[id]!));
  const recV = sensorNames.map((_, id) => new Float64Array(receivedCount[id]!));
  const filled = new Int32Array(sensorNames.length);
  // Received lines are drawn in the order their sensors first arrived.
  const arrivalOrder: number[] = [];
  for (const i of detail.order) {
    const index = detail.matchOf[i]!;
    if (index < 0) continue;
    const received = arrivals.value[i]!;
    const value = Number.isNaN(received) ? sent.value[index]! : received;
    const receivedAt = arrivals.receivedAt[i]!;
    const kind = detail.arrivalKind[i]!;
    if (kind === ARRIVAL_DUPLICATE) duplicates.push({ series: 'duplicate', sensor: sent.sensor(index), t: receivedAt, value });
    else if (kind === ARRIVAL_FIRST) {
      const id = sensorOf[index]!;
      const k = filled[id]!++;
      if (k === 0) arrivalOrder.push(id);
      recT[id]![k] = receivedAt;
      recV[id]![k] = value;
    }
  }
  for (const id of arrivalOrder) {
    const ts = recT[id]!;
    const vs = recV[id]!;
    const sensor = sensorNames[id]!;
    // Outages during which nothing of this sensor arrived: the line breaks across them instead
    // of drawing a straight segment through the gap as if readings had arrived.
    const silent = detail.windows.filter((w) => w.end !== null && !anyWithin(ts, w.start, w.end));
    let previous: number | undefined;
    for (const k of minMaxIndices(ts, vs, columns)) {
      const t = ts[k]!;
      if (previous !== undefined && silent.some((w) => previous! < w.start && t >= w.end!)) points.push({ series: 'received', sensor, t: (previous + t) / 2, value: null });
      points.push({ series: 'received', sensor, t, value: vs[k]! });
      previous = t;
    }
  }

  const lostKept = thinMarkers(lost, maxMarkers);
  const dupKept = thinMarkers(duplicates, maxMarkers);
  points.push(...lostKept.kept, ...dupKept.kept);

  let tMin = Infinity;
  let tMax = -Infinity;
  for (const p of points) {
    if (p.t < tMin) tMin = p.t;
    if (p.t > tMax) tMax = p.t;
  }
  for (const w of detail.windows) {
    tMin = Math.min(tMin, w.start);
    if (w.end !== null) tMax = Math.max(tMax, w.end);
  }
  if (!Number.isFinite(tMin)) tMin = tMax = 0;
  // A 3 s outage in a day-long run would be thinner than a pixel: draw it at least ~1/300 of
  // the time axis wide (from its real start); the tooltip label keeps the real length.
  const minWidth = (tMax - tMin) / 300;
  const outages = detail.windows.map((w, i) => {
    const end = w.end ?? tMax;
    const length = w.end === null ? 'not ended' : `${((w.end - w.start) / 1000).toFixed(1)} s`;
    return { series: 'outage' as const, start: w.start, end: Math.max(end, w.start + minWidth), label: `outage ${i + 1} (${w.sources.join(', ')}), ${length}` };
  });
  return { points, latency, outages, lostTotal: lostKept.total, duplicateTotal: dupKept.total, lostShown: lostKept.kept.length, duplicateShown: dupKept.kept.length, sensors, tMin, tMax };
}
