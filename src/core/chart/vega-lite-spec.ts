import { valueRange, type ChartData } from './chart-data.js';
import type { CompareReport } from '../compare/report.js';
import { sentHoverLayer, tooltipParts, zoomParam } from './chart-interaction.js';

export interface ChartOptions {
  title?: string;
  /** Overall picture size in pixels (the two panels share it). */
  width?: number;
  height?: number;
  /** Draw times in UTC; otherwise in the renderer's local zone, named by `zoneLabel`. */
  utc?: boolean;
  /** e.g. "UTC+01:00", shown on the time axis when not in UTC. */
  zoneLabel?: string;
  /** For the HTML pages: zoom and pan on the time axis, a tooltip on every point. */
  interactive?: boolean;
}

/**
 * One colour per series from the Okabe–Ito palette, which stays distinct for the common forms of
 * colour blindness; each series also has its own mark (SERIES_SHAPES), so none is told apart by
 * colour alone. gnuplot uses the same colours.
 */
export const SERIES_COLORS = {
  sent: '#0072B2',
  received: '#009E73',
  lost: '#D55E00',
  duplicate: '#E69F00',
  outage: '#999999',
  fault: '#F0E442',
  latency: '#56B4E9',
  delay: '#CC79A7',
} as const;

/** The legend's symbol of each series: lines as strokes, markers as their own shape. */
export const SERIES_SHAPES = {
  sent: 'stroke',
  received: 'circle',
  // An × drawn as two strokes (Vega's own 'cross' is a filled plus).
  lost: 'M-1,-1L1,1M1,-1L-1,1',
  duplicate: 'triangle-up',
  outage: 'square',
  fault: 'square',
  latency: 'circle',
  delay: 'diamond',
} as const;

const COLOR_SCALE = { domain: Object.keys(SERIES_COLORS), range: Object.values(SERIES_COLORS) };
const SHAPE_SCALE = { domain: Object.keys(SERIES_SHAPES), range: Object.values(SERIES_SHAPES) };
/** Colour and shape share the field and the legend title, so Vega-Lite draws one legend with both. */
const COLOR = { field: 'series', type: 'nominal', scale: COLOR_SCALE, title: 'series' } as const;
const SHAPE = { field: 'series', type: 'nominal', scale: SHAPE_SCALE, title: 'series' } as const;

function ms(value: number | null): string {
  if (value === null) return '–';
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ms`;
}

/** The lines under the title: the headline numbers, so the picture stands on its own. */
export function chartSubtitle(report: CompareReport, data: ChartData): string[] {
  const l = report.latency_ms;
  const delayMax = report.delay_ms?.max ?? null;
  const faults = data.outages.filter((b) => b.series === 'fault').length;
  const faultNote = faults ? ` · ${faults} network fault${faults === 1 ? '' : 's'} (shaded yellow)` : '';
  const lines = [
    `sent ${report.sent} · delivered ${report.delivered} · lost ${report.lost} · duplicates ${report.duplicates} · late ${report.late} · out of order ${report.out_of_order} · unexpected ${report.unexpected}`,
    `latency p50 ${ms(l.p50)} · p95 ${ms(l.p95)} · p99 ${ms(l.p99)} · max ${ms(l.max)} · delay max ${ms(delayMax)} · ${report.outages.length} outage window${report.outages.length === 1 ? '' : 's'} (shaded)${faultNote}`,
  ];
  if (data.lostShown < data.lostTotal || data.duplicateShown < data.duplicateTotal) {
    lines.push(`markers thinned: ${data.lostShown} of ${data.lostTotal} lost, ${data.duplicateShown} of ${data.duplicateTotal} duplicates drawn`);
  }
  return lines;
}

/** Time labels: clock time for runs under a day, with the date for longer ones (same codes in d3 and gnuplot). */
export function timeAxisFormat(spanMs: number): string {
  if (spanMs > 86_400_000) return '%b %d %H:%M';
  return spanMs < 10_000 ? '%H:%M:%S.%L' : '%H:%M:%S';
}

function markerSize(count: number, largest: number): number {
  if (count > 500) return Math.round(largest / 4);
  if (count > 100) return Math.round(largest / 2);
  return largest;
}

/** 1-2-5 ticks up to the largest latency: symlog's own ticks are too sparse to read. */
export function latencyTicks(max: number | null): number[] {
  const ticks = [0];
  const top = Math.max(10, max ?? 10);
  for (let decade = 1; decade <= top * 10; decade *= 10) {
    for (const m of [1, 2, 5]) if (m * decade <= top * 1.5) ticks.push(m * decade);
  }
  return ticks;
}

/**
 * The comparison as a Vega-Lite spec (data inlined): top panel sent and received values over
 * time with lost (×) and duplicate (▲) markers, bottom panel latency against send time
 * (symlog scale, so a few seconds of outage delay and a few milliseconds of normal delay are
 * both readable); outage windows shaded in both. Both panels get the same explicit time domain
 * so they line up. `interactive`: both panels zoom and pan together on x, every point has a tooltip.
 */
export function vegaLiteSpec(report: CompareReport, data: ChartData, options: ChartOptions = {}): Record<string, unknown> {
  const size = panelSizes(options);
  const time = timeEncodings(data, options);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: 'sensortrace compare: sent versus received',
    title: { text: options.title ?? 'sensortrace compare: sent vs received', subtitle: chartSubtitle(report, data), anchor: 'start', fontSize: 18, subtitleFontSize: 12 },
    background: 'white',
    padding: 12,
    config: { font: 'DejaVu Sans', axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 12, symbolOpacity: 1, symbolStrokeWidth: 2 } },
    datasets: { points: data.points, latency: data.latency, outages: data.outages },
    vconcat: [valuePanel(data, time, size), latencyPanel(report, time, size)],
    // One time scale for both panels, one zoom over both: zooming either zooms the other.
    ...(time.interactive ? { resolve: { scale: { x: 'shared' } }, params: [zoomParam('zoom', ['values_outages', 'latency_outages'])] } : {}),
  };
}

interface PanelSizes {
  plotWidth: number;
  topHeight: number;
  bottomHeight: number;
}

/** The two panels' sizes within the overall picture (titles, legend and axes take the rest). */
function panelSizes(options: ChartOptions): PanelSizes {
  const width = options.width ?? 1200;
  const height = options.height ?? 700;
  const topHeight = Math.max(120, Math.round((height - 230) * 0.62));
  return { plotWidth: Math.max(200, width - 190), topHeight, bottomHeight: Math.max(80, height - 230 - topHeight) };
}

type Encoding = Record<string, unknown>;

/** The time (x) encoding every layer shares, and the outage layer that fixes both panels' time domain. */
interface TimeEncodings {
  x: { field: 't'; type: 'temporal'; title: string; axis: Encoding };
  outageLayer: (name: string) => Encoding;
  interactive: boolean;
  utc: boolean;
}

/** Series with something to draw, in the legend's order; the lines always (an empty run still says what it would show). */
function presentSeries(data: ChartData): string[] {
  const has = new Set<string>(['sent', 'received', 'latency', 'delay']);
  for (const p of data.points) has.add(p.series);
  for (const b of data.outages) has.add(b.series);
  return Object.keys(SERIES_COLORS).filter((series) => has.has(series));
}

function timeEncodings(data: ChartData, options: ChartOptions): TimeEncodings {
  const zone = options.utc ? 'UTC' : (options.zoneLabel ?? 'local time');
  const pad = Math.max(1, (data.tMax - data.tMin) * 0.01);
  // Declared once per panel (on the shaded layer), as domainMin/Max: an explicit `domain` in
  // one layer of a layered temporal axis makes Vega-Lite warn about merging domains.
  const scale = { type: options.utc ? 'utc' : 'time', domainMin: data.tMin - pad, domainMax: data.tMax + pad };
  const x = { field: 't', type: 'temporal', title: `time (${zone})`, axis: { format: timeAxisFormat(data.tMax - data.tMin), labelOverlap: true } } as const;
  // The zoom lives on the shaded layers (named, for the top-level param's `views`), the one
  // layer each panel has whatever the data.
  const outageLayer = (name: string): Encoding => ({
    ...(options.interactive ? { name } : {}),
    data: { name: 'outages' },
    mark: { type: 'rect', opacity: 0.3 },
    encoding: {
      x: { field: 'start', type: 'temporal', scale, title: x.title, axis: x.axis },
      x2: { field: 'end' },
      // The legend lists the series this chart has (no "fault" on a chart without faults).
      color: { ...COLOR, legend: { orient: 'right', values: presentSeries(data) } },
      tooltip: [{ field: 'label', type: 'nominal' }],
    },
  });
  return { x, outageLayer, interactive: options.interactive === true, utc: options.utc === true };
}

/** Top panel: sent and received values over time, lost (×) and duplicate (▲) markers. */
function valuePanel(data: ChartData, time: TimeEncodings, size: PanelSizes): Encoding {
  const { x } = time;
  const several = data.sensors.length > 1;
  // Flat (or nothing): a fixed domain around the value; Vega's own would be empty.
  const range = valueRange(data.points);
  const yScale = range.flat ? { zero: false, domainMin: range.lo, domainMax: range.hi } : { zero: false };
  const lineEncoding = (): Encoding => ({
    x,
    y: { field: 'value', type: 'quantitative', title: 'temperature (°C)', scale: yScale },
    color: COLOR,
    detail: { field: 'sensor', type: 'nominal' },
    ...(several ? { strokeDash: { field: 'sensor', type: 'nominal', title: 'sensor', legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolStrokeColor: '#444444' } } } : {}),
  });
  const tips = time.interactive ? tooltipParts('value', time.utc) : undefined;
  return {
    width: size.plotWidth,
    height: size.topHeight,
    title: { text: 'value over time', fontSize: 13, anchor: 'start' },
    layer: [
      time.outageLayer('values_outages'),
      { data: { name: 'points' }, transform: [{ filter: { field: 'series', equal: 'sent' } }], mark: { type: 'line', strokeWidth: 4, opacity: 0.45 }, encoding: lineEncoding() },
      { data: { name: 'points' }, transform: [{ filter: { field: 'series', equal: 'received' } }], mark: { type: 'line', strokeWidth: 1.5 }, encoding: lineEncoding() },
      ...(time.interactive ? [sentHoverLayer(x, time.utc)] : []),
      // Arrival dots as their own layer: a line's `point` overlay would turn the sensor
      // (stroke-dash) legend into filled dots with no dash to see.
      {
        data: { name: 'points' },
        transform: [{ filter: { field: 'series', equal: 'received' } }, ...(tips?.transform ?? [])],
        mark: { type: 'point', filled: true, size: time.interactive ? 24 : 10 },
        encoding: { x, y: { field: 'value', type: 'quantitative' }, color: COLOR, shape: SHAPE, ...(tips ? { tooltip: tips.tooltip } : {}) },
      },
      markerLayer(data, time, 'lost'),
      markerLayer(data, time, 'duplicate'),
    ],
  };
}

function markerLayer(data: ChartData, time: TimeEncodings, series: 'lost' | 'duplicate'): Encoding {
  const tips = time.interactive ? tooltipParts('value', time.utc) : undefined;
  return {
    data: { name: 'points' },
    transform: [{ filter: { field: 'series', equal: series } }, ...(tips?.transform ?? [])],
    // Big markers for a few events, small ones when there are many, so they do not bury the lines.
    mark: { type: 'point', filled: series === 'duplicate', size: markerSize(series === 'lost' ? data.lostShown : data.duplicateShown, series === 'lost' ? 90 : 60), strokeWidth: 2, opacity: 1 },
    encoding: {
      x: time.x,
      y: { field: 'value', type: 'quantitative' },
      color: COLOR,
      shape: SHAPE,
      tooltip: tips?.tooltip ?? [{ field: 'sensor', type: 'nominal' }, { field: 't', type: 'temporal', format: '%H:%M:%S.%L' }, { field: 'value', type: 'quantitative' }],
    },
  };
}

/**
 * Bottom panel: latency and delay against send time, on a symlog scale so a few seconds of
 * outage delay and a few milliseconds of normal delay are both readable.
 */
function latencyPanel(report: CompareReport, time: TimeEncodings, size: PanelSizes): Encoding {
  return {
    width: size.plotWidth,
    height: size.bottomHeight,
    title: { text: 'latency (arrival − publish) and delay (arrival − planned send), by send time', fontSize: 13, anchor: 'start' },
    layer: [
      time.outageLayer('latency_outages'),
      latencyLayer(report, time, 'delay'),
      latencyLayer(report, time, 'latency'),
    ],
  };
}

/** Delay as open diamonds under latency's dots: where the two are equal (no outage) both still show. */
function latencyLayer(report: CompareReport, time: TimeEncodings, series: 'latency' | 'delay'): Encoding {
  const tips = time.interactive ? tooltipParts('latency', time.utc) : undefined;
  return {
    data: { name: 'latency' },
    transform: [{ filter: { field: 'series', equal: series } }, ...(tips?.transform ?? [])],
    mark: series === 'delay' ? { type: 'point', filled: false, size: 55, strokeWidth: 1.5 } : { type: 'point', filled: true, size: 40 },
    encoding: {
      x: time.x,
      y: { field: 'latency_ms', type: 'quantitative', title: 'ms (symlog)', scale: { type: 'symlog' }, axis: { values: latencyTicks(Math.max(report.latency_ms.max ?? 0, report.delay_ms?.max ?? 0)) } },
      color: COLOR,
      shape: SHAPE,
      tooltip: tips?.tooltip ?? [{ field: 'series', type: 'nominal' }, { field: 'sensor', type: 'nominal' }, { field: 'latency_ms', type: 'quantitative' }],
    },
  };
}
