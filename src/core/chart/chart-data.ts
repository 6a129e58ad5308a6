import type { CompareDetail, CompareReport } from '../compare/report.js';
import { ArrivalTable, type Arrival } from '../compare/arrival-table.js';
import type { OutageWindow } from '../compare/outages.js';
import { SentTable, type SentMessage } from '../compare/sent-table.js';
import { arrivalsBySensor, groupBySensor, latencyLines, messageFacts, receivedLine, sensorMessages, type MessageFacts } from './chart-lines.js';
import { minMaxIndices, thinMarkers } from './downsample.js';

/** A point of the chart. t is epoch ms. The message's facts (seq, times, latency) are for tooltips. */
export interface ChartPoint extends MessageFacts {
  series: 'sent' | 'received' | 'lost' | 'duplicate';
  sensor: string;
  t: number;
  /** null: a break in the received line (an outage with no arrivals). */
  value: number | null;
}

export type { MessageFacts };

export interface LatencyPoint extends Omit<MessageFacts, 'latency_ms'> {
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
  /** Shaded windows: outages (from the events files) and the network faults an experiment switched on. */
  outages: ChartBand[];
  /** Lost/duplicate markers beyond MAX_MARKERS are thinned; these say how many there were. */
  lostTotal: number;
  duplicateTotal: number;
  lostShown: number;
  duplicateShown: number;
  sensors: string[];
  tMin: number;
  tMax: number;
}

/** A shaded time window of the chart. */
export interface ChartBand {
  series: 'outage' | 'fault';
  start: number;
  end: number;
  label: string;
}

/** A network fault's window as the chart shades it: epoch ms, and what it was (`delay replayer at 2s for 5s`). */
export interface FaultBandInput {
  start: number;
  end: number;
  label: string;
}

export interface ChartDataOptions {
  /** Columns to downsample lines into; about the plot's width in pixels. */
  columns?: number;
  /** Most lost (and most duplicate) markers drawn; beyond it, an even selection is drawn and the title says so. */
  maxMarkers?: number;
  /** An experiment's network faults, shaded in their own colour (a delay or throttle makes no outage). */
  faults?: readonly FaultBandInput[];
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
  const sent = SentTable.from(sentInput);
  const arrivals = ArrivalTable.from(arrivalsInput);
  const groups = groupBySensor(sent);
  const facts = (i: number): MessageFacts => messageFacts(sent, arrivals, detail.firstArrival, groups.sendTimes, i);
  const points: ChartPoint[] = [];
  const latency: LatencyPoint[] = [];
  for (const [id, sensor] of groups.names.entries()) {
    const messages = sensorMessages(sent, groups, id);
    if (messages.indices.length === 0) continue;
    append(points, sentLine(sensor, messages, columns, facts));
    append(latency, latencyLines(sent, arrivals, detail.firstArrival, sensor, messages, columns, facts));
  }
  const received = arrivalsBySensor(sent, arrivals, detail, groups, facts);
  for (const id of received.arrivalOrder) append(points, receivedLine(groups.names[id]!, received.lines[id]!, detail.windows, columns, facts));

  const lostKept = thinMarkers(lostMarkers(sent, groups.sendTimes, detail.firstArrival, facts), maxMarkers);
  const dupKept = thinMarkers(received.duplicates, maxMarkers);
  points.push(...lostKept.kept, ...dupKept.kept);
  const { tMin, tMax } = timeRange(points, detail.windows);
  return {
    points,
    latency,
    outages: [...outageBands(detail.windows, tMin, tMax), ...faultBands(options.faults ?? [], tMin, tMax)],
    lostTotal: lostKept.total,
    duplicateTotal: dupKept.total,
    lostShown: lostKept.kept.length,
    duplicateShown: dupKept.kept.length,
    sensors: Object.keys(report.by_sensor),
    tMin,
    tMax,
  };
}

/** push(...more) without spreading a long array onto the stack. */
function append<T>(into: T[], more: readonly T[]): void {
  for (const item of more) into.push(item);
}

function sentLine(sensor: string, messages: { indices: Int32Array; xs: Float64Array; ys: Float64Array }, columns: number, facts: (i: number) => MessageFacts): ChartPoint[] {
  const { indices, xs, ys } = messages;
  return minMaxIndices(xs, ys, columns).map((k) => ({ series: 'sent', sensor, t: xs[k]!, value: ys[k]!, ...facts(indices[k]!) }));
}

/** A marker at every lost message: its send time and the value sent. */
function lostMarkers(sent: SentTable, sendTimes: Float64Array, firstArrival: Int32Array, facts: (i: number) => MessageFacts): ChartPoint[] {
  const lost: ChartPoint[] = [];
  for (let i = 0; i < sent.length; i++) if (firstArrival[i]! < 0) lost.push({ series: 'lost', sensor: sent.sensor(i), t: sendTimes[i]!, value: sent.value[i]!, ...facts(i) });
  return lost;
}

/** The time axis: every point and every outage window (an open one only by its start). */
function timeRange(points: readonly ChartPoint[], windows: readonly OutageWindow[]): { tMin: number; tMax: number } {
  let tMin = Infinity;
  let tMax = -Infinity;
  for (const p of points) {
    if (p.t < tMin) tMin = p.t;
    if (p.t > tMax) tMax = p.t;
  }
  for (const w of windows) {
    tMin = Math.min(tMin, w.start);
    if (w.end !== null) tMax = Math.max(tMax, w.end);
  }
  if (!Number.isFinite(tMin)) tMin = tMax = 0;
  // Only an open window (nothing sent, the broker gone): the axis is that instant.
  if (!Number.isFinite(tMax)) tMax = tMin;
  return { tMin, tMax };
}

/**
 * Outage windows as shaded bands; an open one ends at the last point. A 3 s outage in a
 * day-long run would be thinner than a pixel: a band is at least ~1/300 of the time axis wide
 * (from its real start); the tooltip label keeps the real length.
 */
function outageBands(windows: readonly OutageWindow[], tMin: number, tMax: number): ChartBand[] {
  return windows.map((w, i) => {
    const length = w.end === null ? 'not ended' : seconds(w.end - w.start);
    return band('outage', w.start, w.end ?? tMax, `outage ${i + 1} (${w.sources.join(', ')}), ${length}`, tMin, tMax);
  });
}

/** Network faults as bands, as wide as outages at least; the label names the fault and its length. */
function faultBands(faults: readonly FaultBandInput[], tMin: number, tMax: number): ChartBand[] {
  return faults.map((f) => band('fault', f.start, f.end, `fault: ${f.label}, ${seconds(f.end - f.start)}`, tMin, tMax));
}

/** A band from its real start, at least ~1/300 of the time axis wide. */
function band(series: ChartBand['series'], start: number, end: number, label: string, tMin: number, tMax: number): ChartBand {
  return { series, start, end: Math.max(end, start + (tMax - tMin) / 300), label };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The values' range for the y axis, padded: 5 % each side, or ±1 (±5 % of the value) when the
 * values are all equal or closer together than doubles can tick (1e-323 apart breaks d3's
 * ticks). Nothing drawn: 0 to 1.
 */
export function valueRange(points: readonly ChartPoint[]): { lo: number; hi: number; flat: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) {
    if (p.value === null || !Number.isFinite(p.value)) continue;
    if (p.value < lo) lo = p.value;
    if (p.value > hi) hi = p.value;
  }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 1, flat: true };
  if (hi - lo > 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi))) return { lo: lo - (hi - lo) * 0.05, hi: hi + (hi - lo) * 0.05, flat: false };
  const pad = Math.max(1, Math.abs(lo) * 0.05);
  return { lo: lo - pad, hi: hi + pad, flat: true };
}
