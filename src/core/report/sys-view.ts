/**
 * The broker's own view in the report: its $SYS counters at the run's start and end, their
 * change, and beside each the count the clients saw, so a loss at the broker (Mosquitto's
 * `publish/messages/dropped` when `max_queued_messages` is reached) reads differently from a loss
 * at a client. Pure: everything comes from the run's SysRecording and its report.
 */
import { sysCounter, type SysCounterSummary, type SysRecording } from '../sys/sys-counters.js';
import { escapeHtml } from '../escape-html.js';
import type { ReportRunInput } from './model.js';

export const SYS_TABLE_COLUMNS = ['broker counter ($SYS)', 'start', 'end', 'change', 'the clients saw'] as const;

/** report.json's `broker_sys`. */
export interface BrokerSysJson {
  rows: number;
  restarts: number;
  error?: string;
  counters: Record<string, { topic: string; start?: number; end?: number; max?: number; change: number }>;
}

export function brokerSysJson(sys: SysRecording): BrokerSysJson {
  const counters: BrokerSysJson['counters'] = {};
  for (const c of sys.counters) {
    counters[c.key] = { topic: c.topic, ...(c.first === undefined ? {} : { start: c.first }), ...(c.last === undefined ? {} : { end: c.last }), ...(c.max === undefined ? {} : { max: c.max }), change: c.delta };
  }
  return { rows: sys.rows, restarts: sys.restarts, ...(sys.error ? { error: sys.error } : {}), counters };
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** What the run's clients counted for the same thing, when they counted it. */
function clientsSaw(run: ReportRunInput, counter: SysCounterSummary): string {
  switch (counter.key) {
    case 'clients_connected':
      return 'the replayer, the recorder and the $SYS recorder';
    case 'publish_received': {
      if (!run.replay) return '';
      // Seen with Mosquitto 2.0.11: QoS 2 PUBLISH never reach this counter.
      const none = run.qos === 2 && counter.delta === 0 && run.replay.published > 0 ? ' (the broker counted no QoS 2 PUBLISH here; Mosquitto 2.0 does not)' : '';
      return `the replayer published ${run.replay.published}${none}`;
    }
    case 'publish_sent':
      return run.trace ? `the recorder received ${run.trace.received} (the broker's count also holds the $SYS messages)` : '';
    case 'publish_dropped':
      return run.report ? `lost ${run.report.lost}` : '';
    default:
      return '';
  }
}

/** The table's rows: one per counter the broker published. */
export function sysTableRows(run: ReportRunInput): string[][] {
  const sys = run.sys;
  if (!sys) return [];
  return sys.counters.map((c) => {
    // `$SYS/broker/…` (Mosquitto) or `$SYS/<broker id>/…` (aedes): the part after the broker.
    const label = `${c.label} (${c.topic.replace(/^\$SYS\/[^/]+\//, '')})`;
    if (c.kind === 'events') return [label, '-', '-', String(c.delta), clientsSaw(run, c)];
    const peak = c.kind === 'gauge' && c.max !== undefined && c.max > Math.max(c.first ?? 0, c.last ?? 0) ? ` (peak ${c.max})` : '';
    return [label, String(c.first), `${c.last}${peak}`, signed(c.delta), clientsSaw(run, c)];
  });
}

/** One line about the recording itself: its rows, the restarts it saw, or why it has no counters. */
export function sysNote(run: ReportRunInput): string | undefined {
  const sys = run.sys;
  if (!sys) return undefined;
  const parts = [`${sys.rows} $SYS message${sys.rows === 1 ? '' : 's'} recorded`];
  if (sys.restarts > 0) {
    const restarts = `${sys.restarts} broker restart${sys.restarts === 1 ? '' : 's'}`;
    parts.push(`${restarts} seen (changes summed across them; what the broker counted after its last $SYS tick before a restart is not in them)`);
  }
  if (!sys.counters.some((c) => c.kind !== 'events')) parts.push('no message counters among them (aedes publishes only client connects and disconnects and a heartbeat; Mosquitto publishes its counters every sys_interval)');
  if (sys.error) parts.push(`incomplete: ${sys.error}`);
  return `${parts.join('; ')}.`;
}

/**
 * For the narrative: what the broker's drop counter says about a loss, or undefined when the
 * broker publishes no such counter. `lost`: the run's lost count.
 */
export function brokerDropSentence(sys: SysRecording | undefined, lost: number): { cause?: string; sentence?: string } {
  const dropped = sysCounter(sys ?? { rows: 0, restarts: 0, counters: [] }, 'publish_dropped')?.delta;
  if (dropped === undefined) return {};
  if (lost > 0) {
    return dropped > 0
      ? { cause: `the broker dropped ${dropped} (publish/messages/dropped: a queue for an offline or slow client was full, e.g. max_queued_messages)` }
      : { cause: "the broker's queues dropped none of them (publish/messages/dropped +0)" };
  }
  return dropped > 0 ? { sentence: `The broker counted ${dropped} dropped (publish/messages/dropped), yet every message of the run arrived.` } : {};
}

const mdCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** report.md's lines for the run's $SYS counters (none without a recording). */
export function sysMarkdown(run: ReportRunInput): string[] {
  const note = sysNote(run);
  if (!note) return [];
  const out = ['', `**The broker's own view** ([broker.sys.csv](${run.dir}/broker.sys.csv)): ${mdCell(note)}`];
  const rows = sysTableRows(run);
  if (rows.length) {
    out.push('', `| ${SYS_TABLE_COLUMNS.join(' | ')} |`, '| --- | ---: | ---: | ---: | --- |');
    for (const row of rows) out.push(`| ${row.map(mdCell).join(' | ')} |`);
  }
  return out;
}

/** report.html's block for the run's $SYS counters ('' without a recording). */
export function sysHtml(run: ReportRunInput): string {
  const note = sysNote(run);
  if (!note) return '';
  const head = `<p class="sys"><strong>The broker's own view</strong> (<a href="${escapeHtml(run.dir)}/broker.sys.csv">broker.sys.csv</a>): ${escapeHtml(note)}</p>`;
  const rows = sysTableRows(run);
  if (!rows.length) return head;
  const header = SYS_TABLE_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((c, i) => `<td${i >= 1 && i <= 3 ? ' class="n"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `${head}\n<table class="sys">\n<thead><tr>${header}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
