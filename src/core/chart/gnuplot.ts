import { valueRange, type ChartData, type ChartPoint } from './chart-data.js';
import { chartSubtitle, latencyTicks, SERIES_COLORS, timeAxisFormat } from './vega-lite-spec.js';
import type { CompareReport } from '../compare/report.js';

export type GnuplotTerminal = 'png' | 'svg';

export interface GnuplotOptions {
  title?: string;
  width?: number;
  height?: number;
  utc?: boolean;
  /** Added to every time so gnuplot (which formats times as UTC) shows local time; e.g. +3600000 for UTC+01:00. */
  utcOffsetMs?: number;
  zoneLabel?: string;
  terminal?: GnuplotTerminal;
  /** Base path (without extension) used when the script is loaded without a name (ARG0 empty). */
  fallbackBase: string;
}

/** The .dat blocks, in `index` order. */
const BLOCKS = ['sent', 'received', 'lost', 'duplicate', 'latency', 'delay'] as const;

function seconds(t: number, offsetMs: number): string {
  return ((t + offsetMs) / 1000).toFixed(6);
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * The data file: one block per series (separated by two blank lines, so the script picks them
 * with `index`), sensors within a block separated by one blank line so lines do not jump
 * between sensors. Columns: time in epoch seconds (shifted to local time unless UTC), value
 * (or latency in ms), sensor. An empty series gets a single NaN row so block numbering holds.
 */
export function gnuplotData(data: ChartData, options: Pick<GnuplotOptions, 'utc' | 'utcOffsetMs'> = {}): string {
  const offset = options.utc ? 0 : (options.utcOffsetMs ?? 0);
  const out: string[] = ['# sensortrace compare data: time (epoch s), value, sensor; blocks: sent, received, lost, duplicate, latency(ms), delay(ms)'];
  const bySeries = (series: ChartPoint['series']): ChartPoint[] => data.points.filter((p) => p.series === series);
  for (const block of BLOCKS) {
    out.push(`# ${block}`);
    const rows = block === 'latency' || block === 'delay' ? data.latency.filter((p) => p.series === block).map((p) => ({ sensor: p.sensor, t: p.t, value: p.latency_ms })) : bySeries(block);
    if (rows.length === 0) out.push('NaN NaN none');
    const sensors = [...new Set(rows.map((r) => r.sensor))];
    sensors.forEach((sensor, i) => {
      if (i > 0) out.push('');
      const mine = rows.filter((r) => r.sensor === sensor).sort((a, b) => a.t - b.t);
      // A null value is a break in the line: gnuplot breaks lines at a blank line.
      for (const r of mine) out.push(r.value === null ? '' : `${seconds(r.t, offset)} ${r.value} ${quote(sensor)}`);
    });
    out.push('', '');
  }
  return `${out.join('\n')}\n`;
}

/**
 * A gnuplot script drawing what the Vega-Lite chart draws: two panels sharing the time axis,
 * outage windows shaded, lost (×) and duplicate (▲) markers, latency on a log scale. Run as
 * `gnuplot out/compare.gp`: it finds `out/compare.dat` beside itself (through ARG0) and writes
 * `out/compare.gnuplot.png` (or `.svg`).
 */
export function gnuplotScript(report: CompareReport, data: ChartData, options: GnuplotOptions): string {
  const width = options.width ?? 1200;
  const height = options.height ?? 700;
  const offset = options.utc ? 0 : (options.utcOffsetMs ?? 0);
  const terminal = options.terminal ?? 'png';
  const zone = options.utc ? 'UTC' : (options.zoneLabel ?? 'local time');
  const count = (series: string): number => data.points.filter((p) => p.series === series).length;
  const lines: string[] = [
    '# sensortrace compare: sent vs received. Run: gnuplot <this file>',
    `base = (exists("ARG0") && strlen(ARG0) > 3) ? ARG0[1:strlen(ARG0)-3] : ${quote(options.fallbackBase)}`,
    'datafile = base . ".dat"',
    terminal === 'svg'
      ? `set terminal svg size ${width},${height} dynamic enhanced font "DejaVu Sans,11" background "white"`
      : `set terminal pngcairo size ${width},${height} enhanced font "DejaVu Sans,10" background "white"`,
    `set output base . ".gnuplot.${terminal}"`,
    'set encoding utf8',
    'set datafile missing "NaN"',
    'set xdata time',
    'set timefmt "%s"',
    // gnuplot has no %L: sub-second labels use its fractional-seconds form.
    `set format x "${timeAxisFormat(data.tMax - data.tMin).replace('%S.%L', '%.3S')}"`,
    // Padded like the Vega-Lite chart: a single instant (one point) is still a range.
    `set xrange [${seconds(data.tMin - timePad(data), offset)}:${seconds(data.tMax + timePad(data), offset)}]`,
    `set xlabel ${quote(`time (${zone})`)}`,
    `set xtics ${timeTickStep(data.tMax - data.tMin)}`,
    'set grid xtics ytics lc rgb "#dddddd"',
    'set key outside right top box opaque',
    'set lmargin at screen 0.08',
    'set rmargin at screen 0.82',
  ];
  data.outages.forEach((o, i) => {
    lines.push(`set object ${i + 1} rect from ${seconds(o.start, offset)}, graph 0 to ${seconds(o.end, offset)}, graph 1 fc rgb "${SERIES_COLORS[o.series]}" fs transparent solid 0.3 noborder behind`);
  });
  const subtitle = chartSubtitle(report, data).join('\n');
  lines.push(
    `set multiplot title ${quote(`${options.title ?? 'sensortrace compare: sent vs received'}\n${subtitle}`)} font ",11"`,
    'set tmargin at screen 0.82',
    'set bmargin at screen 0.42',
    'set ylabel "temperature (°C)"',
    // Fixed, so gnuplot never autoscales an empty or flat panel.
    `set yrange [${valueRange(data.points).lo}:${valueRange(data.points).hi}]`,
  );
  const top: string[] = [];
  // Points too, or a sensor that sent once would draw nothing.
  if (count('sent')) top.push(`datafile index 0 using 1:2 with linespoints lw 4 pt 7 ps 0.35 lc rgb "${SERIES_COLORS.sent}" title "sent"`);
  if (count('received')) top.push(`datafile index 1 using 1:2 with linespoints lw 1.5 pt 7 ps 0.4 lc rgb "${SERIES_COLORS.received}" title "received"`);
  const size = (n: number, largest: number): number => (n > 500 ? largest / 3 : n > 100 ? largest / 1.5 : largest);
  if (count('lost')) top.push(`datafile index 2 using 1:2 with points pt 2 ps ${size(count('lost'), 2).toFixed(2)} lw 2 lc rgb "${SERIES_COLORS.lost}" title "lost"`);
  if (count('duplicate')) top.push(`datafile index 3 using 1:2 with points pt 9 ps ${size(count('duplicate'), 1.5).toFixed(2)} lc rgb "${SERIES_COLORS.duplicate}" title "duplicate"`);
  // gnuplot refuses a plot with no point at all ("all points y value undefined") and trips on a
  // plot of key entries alone: an empty panel plots an invisible NaN over its fixed ranges.
  if (top.length === 0) top.push('NaN notitle');
  for (const series of ['outage', 'fault'] as const) {
    if (data.outages.some((b) => b.series === series)) top.push(`keyentry with boxes fs transparent solid 0.3 noborder fc rgb "${SERIES_COLORS[series]}" title "${series === 'fault' ? 'network fault' : series}"`);
  }
  if (data.points.length === 0) lines.push('set label 99 "nothing sent" at graph 0.5, graph 0.5 center');
  lines.push(`plot ${top.join(', \\\n     ')}`);
  const ticks = latencyTicks(Math.max(report.latency_ms.max ?? 0, report.delay_ms?.max ?? 0)).filter((t) => t > 0);
  lines.push(
    'set tmargin at screen 0.34',
    'set bmargin at screen 0.08',
    'set ylabel "latency, delay (ms, log)"',
    'set logscale y',
    'unset label 99',
    `set yrange [0.4:${Math.max(10, largestLatency(data)) * 2}]`,
    `set ytics (${ticks.map((t) => `"${t}" ${t}`).join(', ')})`,
    'unset title',
  );
  // Log scale: zero or negative values (clock skew between machines) are drawn at 0.5 ms.
  const bottomPlots: string[] = [];
  // Delay as open diamonds under latency's dots: where they are equal (no outage) both show.
  if (data.latency.some((p) => p.series === 'delay')) bottomPlots.push(`datafile index 5 using 1:($2 > 0 ? $2 : 0.5) with points pt 12 ps 1.1 lw 1.5 lc rgb "${SERIES_COLORS.delay}" title "delay"`);
  if (data.latency.some((p) => p.series === 'latency')) bottomPlots.push(`datafile index 4 using 1:($2 > 0 ? $2 : 0.5) with points pt 7 ps 0.55 lc rgb "${SERIES_COLORS.latency}" title "latency"`);
  if (bottomPlots.length === 0) lines.push('unset key', `set label 99 "${data.points.length ? 'nothing received: no latency' : 'nothing sent'}" at graph 0.5, graph 0.5 center`);
  const bottom = bottomPlots.length ? `plot ${bottomPlots.join(', \\\n     ')}` : 'plot NaN notitle';
  lines.push(bottom, 'unset multiplot', 'unset output', '');
  return lines.join('\n');
}

/** The time axis' padding on each side (as the Vega-Lite chart's): 1 % of the run, at least 1 ms. */
function timePad(data: ChartData): number {
  return Math.max(1, (data.tMax - data.tMin) * 0.01);
}

function largestLatency(data: ChartData): number {
  let max = 0;
  for (const p of data.latency) if (p.latency_ms > max) max = p.latency_ms;
  return max;
}

/** Time steps a clock reader expects: 1-2-5 below a second, then 1, 2, 5, 10, 15, 30 s, minutes, hours, days. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/** About 6 time ticks (step in seconds): gnuplot's own crowd the long sub-second labels. */
export function timeTickStep(spanMs: number): number {
  const rough = Math.max(spanMs, 1) / 6 / 1000;
  if (rough < 1) {
    const decade = 10 ** Math.floor(Math.log10(rough));
    return Number(([1, 2, 5, 10].map((m) => m * decade).find((step) => step >= rough) ?? 1).toPrecision(1));
  }
  return TICK_STEPS.find((step) => step >= rough) ?? Math.ceil(rough / 604_800) * 604_800;
}
