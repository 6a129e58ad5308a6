import type { ChartData } from '../../core/chart/chart-data.js';
import { gnuplotData, gnuplotScript, type GnuplotTerminal } from '../../core/chart/gnuplot.js';
import { liveFigure, livePage } from '../../core/chart/live-chart.js';
import { vegaLiteSpec, type ChartOptions } from '../../core/chart/vega-lite-spec.js';
import type { CompareReport } from '../../core/compare/report.js';
import { compileVegaLite, renderSvg, svgToPng } from '../../io/output/chart-renderer.js';
import { liveChartAssets } from '../../io/output/interactive-chart.js';

export type ChartFormat = 'svg' | 'png' | 'gp' | 'vl' | 'vg' | 'html';

export interface ChartOutputOptions extends ChartOptions {
  formats: readonly string[];
  base: string;
  width: number;
  gnuplotTerminal?: GnuplotTerminal;
  write: (path: string, content: string | Buffer) => void;
  /** Called between renderings: throws to stop (a signal), after yielding so it can arrive. */
  checkpoint?: () => Promise<void>;
}

/**
 * The chart files: gnuplot script and data, the Vega-Lite spec, SVG and PNG, and the interactive
 * forms — BASE.vg.json (the live chart compiled to Vega, which the experiment's report embeds)
 * and BASE.html (a page of its own: the static SVG, replaced by the live chart where scripts run).
 */
export async function writeChartFiles(report: CompareReport, data: ChartData, options: ChartOutputOptions): Promise<void> {
  const { formats, base, write } = options;
  const checkpoint = options.checkpoint ?? (() => Promise.resolve());
  const chartOptions: ChartOptions = { title: options.title, width: options.width, height: options.height, utc: options.utc, zoneLabel: options.zoneLabel };
  if (formats.includes('gp')) {
    const utcOffsetMs = -new Date(data.tMin).getTimezoneOffset() * 60_000;
    write(`${base}.dat`, gnuplotData(data, { utc: options.utc, utcOffsetMs }));
    write(`${base}.gp`, gnuplotScript(report, data, { ...chartOptions, utcOffsetMs, terminal: options.gnuplotTerminal ?? 'png', fallbackBase: base }));
  }
  const spec = vegaLiteSpec(report, data, chartOptions);
  if (formats.includes('vl')) write(`${base}.vl.json`, `${JSON.stringify(spec)}\n`);
  const needsSvg = formats.includes('svg') || formats.includes('png') || formats.includes('html');
  if (needsSvg) await checkpoint();
  const svg = needsSvg ? await renderSvg(spec) : '';
  if (formats.includes('svg')) write(`${base}.svg`, svg);
  // The PNG is drawn on another thread while this one compiles the interactive chart.
  const png = formats.includes('png') ? svgToPng(svg, { width: options.width }) : undefined;
  png?.catch(() => undefined); // awaited below, unless a checkpoint throws first
  const interactive = formats.includes('vg') || formats.includes('html');
  await checkpoint();
  const live = interactive ? await compileVegaLite(vegaLiteSpec(report, data, { ...chartOptions, interactive: true })) : undefined;
  if (png) write(`${base}.png`, await png);
  if (!live) return;
  await checkpoint();
  if (formats.includes('vg')) write(`${base}.vg.json`, `${JSON.stringify(live)}\n`);
  if (formats.includes('html')) write(`${base}.html`, livePage(options.title ?? 'sensortrace compare', liveFigure(svg, live), liveChartAssets()));
}
