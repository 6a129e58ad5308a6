import type { CompareCounts, CompareReport } from './report.js';

const COLUMNS = ['', 'sent', 'received', 'delivered', 'lost', 'dup', 'ooo', 'late', 'mismatch', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'delay max ms'] as const;

function ms(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

function row(label: string, c: CompareCounts): string[] {
  const l = c.latency_ms;
  return [label, c.sent, c.received, c.delivered, c.lost, c.duplicates, c.out_of_order, c.late, c.value_mismatches, ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max), ms(c.delay_ms?.max ?? null)].map(String);
}

function isoTime(at: number | null, utc: boolean): string {
  if (at === null) return '(not ended)';
  const d = new Date(at);
  if (utc) return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * The report as aligned plain text for a terminal: totals, then per sensor and per QoS when
 * there is more than one, then the outage windows. `utc` picks how times are shown; the local
 * zone is whatever the runtime's Date uses.
 */
export function summaryTable(report: CompareReport, options: { utc?: boolean } = {}): string {
  const rows: string[][] = [[...COLUMNS], row('all', report)];
  const sensors = Object.entries(report.by_sensor);
  if (sensors.length > 1) for (const [name, c] of sensors) rows.push(row(`sensor ${name}`, c));
  const qos = Object.entries(report.by_qos);
  if (qos.length > 1) for (const [name, c] of qos) rows.push(row(`qos ${name}`, c));
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
  lines.push(`unexpected arrivals: ${report.unexpected}   matched by: ${report.match.rule} (seq ${report.match.by_seq}, topic+time ${report.match.by_topic_time}, sensor+time ${report.match.by_sensor_time})`);
  if (report.outages.length === 0) lines.push('outages: none recorded');
  for (const [i, o] of report.outages.entries()) {
    const length = o.end === null ? '' : ` (${((o.end - o.start) / 1000).toFixed(1)} s)`;
    lines.push(`outage ${i + 1} [${o.kind}: ${o.sources.join(', ')}] ${isoTime(o.start, Boolean(options.utc))} → ${isoTime(o.end, Boolean(options.utc))}${length}: sent ${o.sent}, lost ${o.lost}, late ${o.late}, on time ${o.on_time}`);
  }
  return `${lines.join('\n')}\n`;
}
