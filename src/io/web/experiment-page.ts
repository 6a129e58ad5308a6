import type { ExperimentLiveState } from '../../core/live/experiment-state.js';
import type { LiveView } from './live-server.js';
import { livePage } from './page-kit.js';

/**
 * experiment --web: the current run's progress, restarts and faults marked as they happen, the
 * finished runs' rows (the report's summary table). After the kit's helpers; text only.
 */
const SCRIPT = `
let shownRows = -1;
function markText(m) {
  return clock(m.at) + ' ' + m.run + ': ' + m.label;
}
/** A fault's window: from it to the run's next recovery (or now). */
function faultWindows(marks, t1) {
  const out = [];
  let open = null;
  for (const m of marks) {
    if (m.kind === 'fault' && open === null) open = m.at;
    else if (m.kind === 'recovery' && open !== null) { out.push([open, m.at]); open = null; }
  }
  if (open !== null) out.push([open, t1]);
  return out;
}
function renderChart(f) {
  const svg = $('progress');
  const c = f.current;
  if (!c) { clear(svg); return; }
  const t0 = c.started_at;
  const t1 = Math.max(t0 + 1000, c.phase === 'done' && f.series.length ? f.series[f.series.length - 1][0] : f.now);
  const hi = Math.max(1, ...f.series.map((p) => Math.max(p[1], p[2])));
  const s = frame(svg, t0, t1, 0, hi, '0 s', '+' + Math.round((t1 - t0) / 1000) + ' s');
  const marks = f.marks.filter((m) => m.run === c.id && m.at >= t0);
  for (const [a, b] of faultWindows(marks, t1)) svg.appendChild(svgEl('rect', { class: 'fault', x: s.x(a), y: T, width: Math.max(2, s.x(b) - s.x(a)), height: H - T - B }));
  polyline(svg, s, f.series.map((p) => [p[0], p[1]]), 'sent');
  polyline(svg, s, f.series.map((p) => [p[0], p[2]]), 'received');
  for (const m of marks) vline(svg, s, m.at, 'mark-' + m.kind, markText(m));
}
function renderRows(f) {
  const head = $('columns');
  if (!head.firstChild) for (const c of f.columns) head.appendChild(el('th', '', c));
  if (f.finished === shownRows) return;
  shownRows = f.finished;
  const body = $('runs').tBodies[0];
  clear(body);
  for (const r of f.rows) {
    const row = el('tr', r.error === undefined ? '' : 'failed');
    for (const cell of r.cells) row.appendChild(el('td', '', cell));
    body.appendChild(row);
  }
  $('none').textContent = f.rows.length ? '' : 'none yet';
}
function render(f) {
  const c = f.current;
  $('run').textContent = c ? c.id : '-';
  $('index').textContent = c ? String(c.index) : '0';
  $('total').textContent = String(f.total);
  $('phase').textContent = c ? c.phase : '-';
  $('sent').textContent = c ? String(c.sent) : '0';
  $('received').textContent = c ? String(c.received) : '0';
  $('eta').textContent = !c ? '-' : c.phase === 'done' && f.finished >= f.total ? 'nothing' : 'about ' + age(c.eta_ms);
  renderChart(f);
  const list = $('marks');
  clear(list);
  for (const m of f.marks.slice().reverse()) list.appendChild(el('li', 'mark-' + m.kind, markText(m)));
  if (!f.marks.length) list.appendChild(el('li', 'note', 'none so far'));
  renderRows(f);
}
follow(render);
`;

const STYLE = `
.sent{fill:none;stroke:#0969da;stroke-width:1.5}.received{fill:none;stroke:#1a7f37;stroke-width:1.5;stroke-dasharray:5 2}
.fault{fill:#ffebe9}.mark-fault{stroke:#cf222e;color:#cf222e}.mark-recovery{stroke:#1a7f37;color:#1a7f37}.mark-info{stroke:#6e7781;color:#57606a}
.key-sent{color:#0969da}.key-received{color:#1a7f37}td{font-family:ui-monospace,monospace;white-space:pre}tr.failed td{color:#cf222e}
`;

export const EXPERIMENT_PAGE = livePage({
  title: 'sensortrace experiment',
  style: STYLE,
  script: SCRIPT,
  body: `<h1>sensortrace experiment</h1>
<p id="summary"><span>page: <b id="link">connecting…</b></span><span>run <b id="index">0</b> of <b id="total">0</b>: <b id="run">-</b></span><span>phase: <b id="phase">-</b></span><span><b id="eta">-</b> left</span></p>
<p><span class="key-sent">sent: <b id="sent">0</b></span> · <span class="key-received">received: <b id="received">0</b></span></p>
<h2>this run: sent and received</h2>
<p class="note"><span class="key-sent">blue: sent</span>, <span class="key-received">green dashed: received</span>; shaded: from a fault (broker stopped) to its recovery; dashed lines: faults (red), recoveries (green).</p>
<svg id="progress" viewBox="0 0 800 150" role="img" aria-label="this run: sent and received"></svg>
<h2>restarts and faults</h2>
<ol id="marks"></ol>
<h2>finished runs</h2>
<table id="runs"><thead><tr id="columns"></tr></thead><tbody></tbody></table>
<p id="none" class="note">none yet</p>`,
});

/** experiment's page over its ExperimentLiveState. */
export function experimentView(state: ExperimentLiveState): LiveView {
  return { page: EXPERIMENT_PAGE, version: () => state.version, frame: (now) => state.frame(now), state: () => state.apiState() };
}
