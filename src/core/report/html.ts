import { describeRestarts } from '../scenario/scenario.js';
import { describeOutages, SUMMARY_COLUMNS, summaryRows, type ReportRunInput } from './model.js';
import type { MarkdownReportMeta } from './markdown.js';
import { narrativeOf } from './narrative.js';

export interface EmbeddedChart {
  mime: 'image/png' | 'image/svg+xml';
  base64: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

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

/**
 * report.html: one self-contained page — inline CSS, charts as data: URIs, no script, and a
 * Content-Security-Policy that forbids any network access, so it opens the same from disk, a
 * mail attachment or an air-gapped lab machine. Charts open at full size in place when clicked.
 */
export function htmlReport(meta: MarkdownReportMeta, runs: readonly ReportRunInput[], charts: ReadonlyMap<string, EmbeddedChart> = new Map()): string {
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
      if (run.report) items.push(`outages: ${escapeHtml(describeOutages(run.report.outages))}`);
      if (run.error) items.push(`<strong>error</strong>: ${escapeHtml(run.error)}`);
      items.push(`files: <a href="${escapeHtml(run.dir)}/sent.csv">sent.csv</a>, <a href="${escapeHtml(run.dir)}/trace.csv">trace.csv</a>, <a href="${escapeHtml(run.dir)}/broker.events.csv">broker.events.csv</a>`);
      const chart = charts.get(run.dir);
      const figure = chart
        ? `<figure><a href="#chart-${escapeHtml(run.dir)}"><img id="chart-${escapeHtml(run.dir)}" class="chart" alt="sent and received over time, ${escapeHtml(run.dir)}" src="data:${chart.mime};base64,${chart.base64}"></a></figure>`
        : '<p class="note">no chart for this run</p>';
      const story = narrativeOf(run);
      const happened = story.length ? `\n<p class="narrative"><strong>What happened</strong> (computed from this run's events and counts): ${escapeHtml(story.join(' '))}</p>` : '';
      return `<section id="run-${escapeHtml(run.dir)}">\n<h2>${escapeHtml(run.dir)}</h2>${happened}\n<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>\n${figure}\n</section>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(meta.name)}</title>
<style>${STYLE}</style>
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
</body>
</html>
`;
}
