import type { CaseResult } from './context.js';

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'ms') return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
  if (unit.includes('error')) return `${value.toFixed(3)} ms`;
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

function stat(s: CaseResult['oursStats'], unit: string): string {
  const runs = s.runs === undefined ? '' : s.runs === 1 ? ', 1 run' : `, ${s.runs} runs`;
  return s.runs === 1 ? `${fmt(s.median, unit)} (1 run)` : `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)}${runs})`;
}

/** The results as a Markdown table (median with min–max), as printed and pasted into README. */
export function resultsTable(results: CaseResult[]): string {
  const rows = [
    '| case | unit | sensortrace | baseline | ratio | target | met | dropped | peak RSS |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const met = r.met === undefined ? '—' : r.met ? 'yes' : '**no**';
    rows.push(`| ${r.name} | ${r.unit} | ${r.ours}: ${stat(r.oursStats, r.unit)} | ${r.baseline}: ${stat(r.baselineStats, r.unit)} | ${r.ratio.toFixed(2)}× | ${r.target} | ${met} | ${r.dropped} | ${r.peakRssMb ? `${r.peakRssMb.toFixed(0)} MB` : '—'} |`);
  }
  return rows.join('\n');
}
