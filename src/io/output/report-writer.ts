import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import { htmlReport, type EmbeddedChart } from '../../core/report/html.js';
import { markdownReport, type MarkdownReportMeta } from '../../core/report/markdown.js';
import { reportJson, type ReportRunInput } from '../../core/report/model.js';
import { liveChartAssets } from './interactive-chart.js';
import { prepareOutputFolder } from './output-path.js';

export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
}

/** A PNG is preferred for embedding (exact pixels everywhere); an SVG otherwise. */
export function pickChart(files: readonly string[]): string | undefined {
  return files.find((f) => f.endsWith('.png') && existsSync(f)) ?? files.find((f) => f.endsWith('.svg') && existsSync(f));
}

/** The run's live chart (compare's BASE.vg.json), if compare wrote one. */
function liveChart(files: readonly string[]): unknown {
  const path = files.find((f) => f.endsWith('.vg.json') && existsSync(f));
  if (!path) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read the live chart: ${(error as Error).message}`, 'E_OUTPUT', { file: path }, { cause: error });
  }
}

function writeAtomically(path: string, text: string): void {
  try {
    writeFileSync(`${path}.tmp`, text);
    renameSync(`${path}.tmp`, path);
  } catch (error) {
    throw new SensortraceError(`${path}: cannot write: ${(error as Error).message}`, 'E_OUTPUT', { file: path }, { cause: error });
  }
}

/**
 * Writes report.json, report.md and report.html at the top of the experiment's folder.
 * `chartFiles` maps a run's dir to the chart files compare wrote for it.
 */
export function writeExperimentReports(outDir: string, meta: MarkdownReportMeta, runs: readonly ReportRunInput[], chartFiles: ReadonlyMap<string, readonly string[]>): ReportFiles {
  prepareOutputFolder(outDir);
  const linked = new Map<string, string>();
  const embedded = new Map<string, EmbeddedChart>();
  for (const run of runs) {
    const chart = pickChart(chartFiles.get(run.dir) ?? []);
    if (!chart) continue;
    linked.set(run.dir, relative(outDir, chart).split('\\').join('/') || basename(chart));
    const live = liveChart(chartFiles.get(run.dir) ?? []);
    embedded.set(run.dir, { mime: chart.endsWith('.png') ? 'image/png' : 'image/svg+xml', base64: readFileSync(chart).toString('base64'), ...(live === undefined ? {} : { vega: live }) });
  }
  const anyLive = [...embedded.values()].some((c) => c.vega !== undefined);
  const files: ReportFiles = { json: join(outDir, 'report.json'), markdown: join(outDir, 'report.md'), html: join(outDir, 'report.html') };
  writeAtomically(files.json, `${JSON.stringify(reportJson(meta, runs), null, 2)}\n`);
  writeAtomically(files.markdown, markdownReport(meta, runs, linked));
  writeAtomically(files.html, htmlReport(meta, runs, embedded, anyLive ? liveChartAssets() : undefined));
  return files;
}
