import { escapeHtml } from '../escape-html.js';
import { describeRestarts } from '../scenario/scenario.js';
import { describeDerived, describeOutages, SUMMARY_COLUMNS, summaryRows, type ReportRunInput } from './model.js';
import type { MarkdownReportMeta } from './markdown.js';
import { LIVE_CHART_STYLE, liveFigure, pageCsp, type LiveChartAssets } from '../chart/live-chart.js';
import { describeFaultCosts, FAULT_COLUMNS, faultRows } from './fault-story.js';
import { narrativeOf } from './narrative.js';
import { sysHtml } from './sys-view.js';

export interface EmbeddedChart {
  mime: 'image/png' | 'image/svg+xml';
  base64: string;
  /** The live chart (compiled Vega spec): zoom and tooltips where scripts run, the image otherwise. */
  vega?: unknown;
}

export { escapeHtml };

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin-bottom:.3rem}h2{font-size:1.15rem;margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.n{text-align:right}tr.bad td.lost{background:#ffebe9;font-weight:600}tr.failed td{background:#fff8c5}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #d0d7de;cursor:zoom-in}
figure img:target,figure a:focus img{max-width:none}
.note{color:#57606a;font-size:.85rem}ul{padding-left:1.2rem}
`;

/** A run's chart: the image (click for full size), brought to life by the live chart when there is one. */
function chartFigure(dir: string, chart: EmbeddedChart | undefined, assets: LiveChartAssets | undefined): string {
  if (!chart) return '<p class="note">no chart for this run</p>';
  const image = `<a href="#chart-${escapeHtml(dir)}"><img id="chart-${escapeHtml(dir)}" class="chart" alt="sent and received over time, ${escapeHtml(dir)}" src="data:${chart.mime};base64,${chart.base64}"></a>`;
  return chart.vega !== undefined && assets ? liveFigure(image, chart.vega) : `<figure>${image}</figure>`;
}

/** A run's network faults as a table (empty without faults): each window, who noticed when, what it cost. */
function faultTable(run: ReportRunInput): string {
  if (!run.faults?.length) return '';
  const head = FAULT_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = faultRows(run.faults, run.events ?? []).map((row) => `<tr>${row.map((c, i) => `<td${i >= 5 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<p><strong>Network faults</strong> (<a href="${escapeHtml(run.dir)}/faults.events.csv">faults.events.csv</a>): each window, when each client noticed, what it cost.</p>\n<table class="faults">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n`;
}

/**
 * report.html: one self-contained page — inline CSS, charts as data: URIs, and a
 * Content-Security-Policy that forbids any network access, so it opens the same from disk, a
 * mail attachment or an air-gapped lab machine. Charts open at full size in place when clicked.
 * With `assets` (vega, vega-embed) and runs' live charts, the only scripts are those, inline and
 * allowed by hash: the charts zoom and show tooltips; where scripts are blocked the images stay.
 */
export function htmlReport(meta: MarkdownReportMeta, runs: readonly ReportRunInput[], charts: ReadonlyMap<string, EmbeddedChart> = new Map(), assets?: LiveChartAssets): string {
  const live = assets && [...charts.values()].some((c) => c.vega !== undefined) ? assets : undefined;
  const rows = summaryRows(runs);
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10]);
  const header = SUMMARY_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row, i) => {
      const run = runs[i]!;
      const cls = !run.report ? 'failed' : run.report.lost > 0 ? 'bad' : '';
      const cells = row.map((c, j) => {
        const classes = [numeric.has(j) ? 'n' : '', j === 6 ? 'lost' : ''].filter(Boolean).join(' ');
        const text = j === 0 ? `<a href="#run-${escapeHtml(run.dir)}">${escapeHtml(c)}</a>` : escapeHtml(c);
        return `<td${classes ? ` class="${classes}"` : ''}>${text}</td>`;
      });
      return `<tr${cls ? ` class="${cls}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');

  const sections = runs
    .map((run) => {
      const items: string[] = [
        `broker: ${escapeHtml(run.broker)} (${escapeHtml(run.brokerKind)}), QoS ${run.qos}`,
        `restarts: ${escapeHtml(describeRestarts(run.restarts))}`,
      ];
      if (run.replay) items.push(`replay: ${run.replay.sent} sent, ${run.replay.published} published, ${run.replay.dropped} dropped while offline, ${run.replay.queued} still queued, ${run.replay.reconnects} reconnects`);
      if (run.trace) items.push(`trace: ${run.trace.received} received, ${run.trace.reconnects} reconnects, ${run.trace.sessionsLost} sessions lost`);
      if (run.faults?.length) items.push(`network faults: ${escapeHtml(describeFaultCosts(run.faults))}`);
      if (run.report) items.push(`outages: ${escapeHtml(describeOutages(run.report.outages))}`);
      for (const d of run.derived ?? []) items.push(`derived ${escapeHtml(describeDerived(d))}`);
      if (run.error) items.push(`<strong>error</strong>: ${escapeHtml(run.error)}`);
      items.push(`files: <a href="${escapeHtml(run.dir)}/sent.csv">sent.csv</a>, <a href="${escapeHtml(run.dir)}/trace.csv">trace.csv</a>, <a href="${escapeHtml(run.dir)}/broker.events.csv">broker.events.csv</a>${run.faults?.length ? `, <a href="${escapeHtml(run.dir)}/faults.events.csv">faults.events.csv</a>` : ''}`);
      const figure = chartFigure(run.dir, charts.get(run.dir), live);
      const story = narrativeOf(run);
      const happened = story.length ? `\n<p class="narrative"><strong>What happened</strong> (computed from this run's events and counts): ${escapeHtml(story.join(' '))}</p>` : '';
      const sys = sysHtml(run);
      return `<section id="run-${escapeHtml(run.dir)}">\n<h2>${escapeHtml(run.dir)}</h2>${happened}\n<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>\n${faultTable(run)}${sys ? `${sys}\n` : ''}${figure}\n</section>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${pageCsp(live)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.name)}</title>
<style>${STYLE}${live ? LIVE_CHART_STYLE : ''}</style>
</head>
<body>
<h1>${escapeHtml(meta.name)}</h1>
${meta.description ? `<p class="intent"><strong>Scenario's intent</strong> (the author's description): ${escapeHtml(meta.description)}</p>` : ''}
<p class="note">Started ${escapeHtml(new Date(meta.startedAt).toISOString())}, ${runs.length} run${runs.length === 1 ? '' : 's'} in ${(meta.durationMs / 1000).toFixed(1)} s.${meta.interrupted ? ' <strong>Interrupted</strong>: later runs did not happen.' : ''}</p>
<table id="summary">
<thead><tr>${header}</tr></thead>
<tbody>
${body}
</tbody>
</table>
<p class="note"><em>lost</em>: sent but never received; <em>late</em>: sent during an outage and received after it; latencies are first arrivals only. Click a chart for full size.</p>
${sections}
${live ? live.scripts : ''}
</body>
</html>
`;
}
