import { ARRIVAL_DUPLICATE, ARRIVAL_FIRST, sendTime, type CompareDetail, type CompareReport } from './compare-report.js';
import { minMaxIndices, thinMarkers } from './downsample.js';
import type { Arrival, SentMessage } from './match.js';

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
export function chartData(sent: readonly SentMessage[], arrivals: readonly Arrival[], report: CompareReport, detail: CompareDetail, options: ChartDataOptions = {}): ChartData {
  const columns = options.columns ?? 1200;
  const maxMarkers = options.maxMarkers ?? 20_000;
  const sensors = Object.keys(report.by_sensor);
  const points: ChartPoint[] = [];
  const latency: LatencyPoint[] = [];
  const lost: ChartPoint[] = [];
  const duplicates: ChartPoint[] = [];

  const sentBySensor = new Map<string, number[]>();
  sent.forEach((s, i) => {
    const list = sentBySensor.get(s.sensor);
    if (list) list.push(i);
    else sentBySensor.set(s.sensor, [i]);
    if (detail.firstArrival[i]! < 0) lost.push({ series: 'lost', sensor: s.sensor, t: sendTime(s), value: s.value });
  });
  for (const [sensor, indices] of sentBySensor) {
    indices.sort((a, b) => sendTime(sent[a]!) - sendTime(sent[b]!));
    const xs = indices.map((i) => sendTime(sent[i]!));
    for (const k of minMaxIndices(xs, indices.map((i) => sent[i]!.value), columns)) points.push({ series: 'sent', sensor, t: xs[k]!, value: sent[indices[k]!]!.value });
    const lat: LatencyPoint[] = [];
    const delay: LatencyPoint[] = [];
    for (const i of indices) {
      if (detail.firstArrival[i]! < 0) continue;
      const s = sent[i]!;
      const arrival = arrivals[detail.firstArrival[i]!]!;
      const from = s.publishedAt ?? arrival.publishedAt;
      const t = sendTime(s);
      if (from !== undefined) lat.push({ series: 'latency', sensor, t, latency_ms: round3(arrival.receivedAt - from) });
      if (s.plannedAt !== undefined) delay.push({ series: 'delay', sensor, t, latency_ms: round3(arrival.receivedAt - s.plannedAt) });
    }
    for (const list of [delay, lat]) for (const k of minMaxIndices(list.map((p) => p.t), list.map((p) => p.latency_ms), columns)) latency.push(list[k]!);
  }

  const receivedBySensor = new Map<string, Array<{ t: number; value: number }>>();
  for (const i of detail.order) {
    const arrival = arrivals[i]!;
    const kind = detail.arrivalKind[i]!;
    const s = sent[detail.matchOf[i]!];
    if (!s) continue;
    const value = arrival.value ?? s.value;
    if (kind === ARRIVAL_DUPLICATE) duplicates.push({ series: 'duplicate', sensor: s.sensor, t: arrival.receivedAt, value });
    else if (kind === ARRIVAL_FIRST) {
      let list = receivedBySensor.get(s.sensor);
      if (!list) receivedBySensor.set(s.sensor, (list = []));
      list.push({ t: arrival.receivedAt, value });
    }
  }
  for (const [sensor, list] of receivedBySensor) {
    // Outages during which nothing of this sensor arrived: the line breaks across them instead
    // of drawing a straight segment through the gap as if readings had arrived.
    const silent = detail.windows.filter((w) => w.end !== null && !list.some((p) => p.t >= w.start && p.t < w.end!));
    let previous: number | undefined;
    for (const k of minMaxIndices(list.map((p) => p.t), list.map((p) => p.value), columns)) {
      const t = list[k]!.t;
      if (previous !== undefined && silent.some((w) => previous! < w.start && t >= w.end!)) points.push({ series: 'received', sensor, t: (previous + t) / 2, value: null });
      points.push({ series: 'received', sensor, t, value: list[k]!.value });
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
