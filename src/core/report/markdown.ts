import { describeRestarts } from '../scenario/scenario.js';
import { describeFaultCosts, FAULT_COLUMNS, faultRows } from './fault-story.js';
import { narrativeOf } from './narrative.js';
import { sysMarkdown } from './sys-view.js';
import { describeDerived, describeOutages, SUMMARY_COLUMNS, summaryRows, type ReportRunInput } from './model.js';

export interface MarkdownReportMeta {
  name: string;
  description?: string;
  startedAt: number;
  durationMs: number;
  interrupted: boolean;
}

/** Pipes and newlines would break a table row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * report.md: the summary table, then one section per run with its restarts, outage windows and
 * chart (linked by relative path, so the folder can be moved or published as it is).
 */
export function markdownReport(meta: MarkdownReportMeta, runs: readonly ReportRunInput[], charts: ReadonlyMap<string, string> = new Map()): string {
  const out: string[] = [`# ${cell(meta.name)}`, ''];
  if (meta.description) out.push(`**Scenario's intent** (the author's description): ${meta.description}`, '');
  out.push(`Started ${new Date(meta.startedAt).toISOString()}, ${runs.length} run${runs.length === 1 ? '' : 's'} in ${(meta.durationMs / 1000).toFixed(1)} s.${meta.interrupted ? ' **Interrupted**: later runs did not happen.' : ''}`, '');
  out.push(`| ${SUMMARY_COLUMNS.join(' | ')} |`, `|${SUMMARY_COLUMNS.map((_, i) => (i >= 3 && i <= 10 ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const row of summaryRows(runs)) out.push(`| ${row.map(cell).join(' | ')} |`);
  out.push('', '*lost*: sent but never received; *late*: sent during an outage and received after it; latencies are first arrivals only.', '');
  for (const run of runs) {
    out.push(`## ${cell(run.dir)}`, '');
    const story = narrativeOf(run);
    if (story.length) out.push(`**What happened** (computed from this run's events and counts): ${story.join(' ')}`, '');
    out.push(`- broker: ${run.broker} (${run.brokerKind}), QoS ${run.qos}`);
    out.push(`- restarts: ${describeRestarts(run.restarts)}`);
    if (run.replay) out.push(`- replay: ${run.replay.sent} sent, ${run.replay.published} published, ${run.replay.dropped} dropped while offline, ${run.replay.queued} still queued, ${run.replay.reconnects} reconnects`);
    if (run.trace) out.push(`- trace: ${run.trace.received} received, ${run.trace.reconnects} reconnects, ${run.trace.sessionsLost} sessions lost`);
    if (run.faults?.length) out.push(`- network faults: ${describeFaultCosts(run.faults)}`);
    if (run.report) out.push(`- outages: ${describeOutages(run.report.outages)}`);
    for (const d of run.derived ?? []) out.push(`- derived ${cell(describeDerived(d))}`);
    if (run.error) out.push(`- **error**: ${cell(run.error)}`);
    out.push(`- files: [sent.csv](${run.dir}/sent.csv), [trace.csv](${run.dir}/trace.csv), [broker.events.csv](${run.dir}/broker.events.csv)${run.faults?.length ? `, [faults.events.csv](${run.dir}/faults.events.csv)` : ''}`);
    if (run.faults?.length) {
      out.push('', `| ${FAULT_COLUMNS.join(' | ')} |`, `|${FAULT_COLUMNS.map((_, i) => (i >= 5 ? ' ---: ' : ' --- ')).join('|')}|`);
      for (const row of faultRows(run.faults, run.events ?? [])) out.push(`| ${row.map(cell).join(' | ')} |`);
    }
    out.push(...sysMarkdown(run));
    const chart = charts.get(run.dir);
    if (chart) out.push('', `![${cell(run.dir)}](${chart})`);
    out.push('');
  }
  return out.join('\n');
}
