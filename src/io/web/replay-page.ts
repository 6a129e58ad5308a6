import type { ReplayLiveState } from '../../core/live/replay-state.js';
import type { LiveView } from './live-server.js';
import { livePage } from './page-kit.js';

/**
 * replay --web: sent vs acknowledged over the whole run, the queue, the pacing error, the
 * outages shaded as they happen. After the kit's helpers; everything shown goes in as text.
 */
const SCRIPT = `
const MARK_TEXT = { offline: 'connection lost', reconnect: 'reconnected', session_lost: 'session lost', error: 'error' };
function markText(m) {
  return clock(m.at) + ' ' + MARK_TEXT[m.kind] + (m.detail ? ' (' + m.detail + ')' : '');
}
function ms(v) {
  return v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(2) + ' ms';
}
function span(f) {
  const first = f.series.length ? f.series[0][0] : f.now;
  const t0 = f.started_at === null ? first : Math.min(f.started_at, first);
  const t1 = f.phase === 'done' && f.series.length ? f.series[f.series.length - 1][0] : f.now;
  return [t0, Math.max(t1, t0 + 1000)];
}
function chart(svg, f, lo, hi) {
  const [t0, t1] = span(f);
  const s = frame(svg, t0, t1, lo, hi, '0 s', '+' + Math.round((t1 - t0) / 1000) + ' s');
  for (const o of f.outages) {
    const a = s.x(Math.max(t0, o.start)), b = s.x(o.end === null ? t1 : o.end);
    const band = svgEl('rect', { class: 'outage', x: a, y: T, width: Math.max(2, b - a), height: H - T - B });
    band.appendChild(svgEl('title', {}, 'broker away ' + clock(o.start) + (o.end === null ? ', still away' : ' for ' + age(o.duration_ms))));
    svg.appendChild(band);
  }
  for (const m of f.marks) vline(svg, s, m.at, 'mark-' + m.kind, markText(m));
  return s;
}
function renderCharts(f) {
  const top = Math.max(1, f.planned || 0, ...f.series.map((p) => p[1]));
  let s = chart($('progress'), f, 0, top);
  polyline($('progress'), s, f.series.map((p) => [p[0], p[1]]), 'sent');
  polyline($('progress'), s, f.series.map((p) => [p[0], p[2]]), 'acked');
  s = chart($('queue'), f, 0, Math.max(1, f.max_inflight || 0, ...f.series.map((p) => p[3])));
  polyline($('queue'), s, f.series.map((p) => [p[0], p[3]]), 'queued');
  const errors = f.series.map((p) => p[4]).filter((v) => v !== null);
  s = chart($('pacing'), f, 0, Math.max(1, ...errors));
  for (const p of f.series) {
    if (p[4] === null) continue;
    $('pacing').appendChild(svgEl('line', { class: 'err', x1: s.x(p[0]), x2: s.x(p[0]), y1: s.y(0), y2: s.y(p[4]) }));
  }
}
function renderLists(f) {
  const outages = $('outages');
  clear(outages);
  for (const o of f.outages) outages.appendChild(el('li', o.end === null ? 'open' : '', clock(o.start) + ' broker away ' + (o.end === null ? 'for ' + age(f.now - o.start) + ', still away' : 'for ' + age(o.duration_ms))));
  if (!f.outages.length) outages.appendChild(el('li', 'note', 'none so far'));
  const marks = $('marks');
  clear(marks);
  for (const m of f.marks.slice().reverse()) marks.appendChild(el('li', 'mark-' + m.kind, markText(m)));
}
function render(f) {
  $('phase').textContent = f.phase;
  $('conn').textContent = f.phase === 'done' ? 'disconnected (done)' : f.connected ? 'connected' : 'offline';
  $('conn').className = f.connected || f.phase === 'done' ? '' : 'state-offline';
  $('sent').textContent = String(f.sent);
  $('planned').textContent = f.planned === null ? '' : ' of ' + f.planned;
  $('published-label').textContent = f.qos > 0 ? 'acknowledged' : 'published';
  $('published').textContent = String(f.qos > 0 ? f.acked : f.published);
  $('queued').textContent = String(f.queued);
  $('dropped').textContent = String(f.dropped);
  $('reconnects').textContent = String(f.reconnects);
  $('elapsed').textContent = age(f.elapsed_ms);
  $('p50').textContent = f.pacing.count ? ms(f.pacing.p50) : '-';
  $('p99').textContent = f.pacing.count ? ms(f.pacing.p99) : '-';
  $('delayed').textContent = f.outage_delay.count ? f.outage_delay.count + ' sends came due while the broker was away (delay p99 ' + ms(f.outage_delay.p99) + ')' : '';
  renderCharts(f);
  renderLists(f);
}
follow(render);
`;

const STYLE = `
.sent{fill:none;stroke:#0969da;stroke-width:1.5}.acked{fill:none;stroke:#1a7f37;stroke-width:1.5;stroke-dasharray:5 2}
.queued{fill:none;stroke:#bc4c00;stroke-width:1.5}.err{stroke:#8250df;stroke-width:2}.outage{fill:#ffebe9}
.key-sent{color:#0969da}.key-acked{color:#1a7f37}#outages,#marks{font-family:ui-monospace,monospace;padding-left:1.2rem}
`;

export const REPLAY_PAGE = livePage({
  title: 'sensortrace replay',
  style: STYLE,
  script: SCRIPT,
  body: `<h1>sensortrace replay</h1>
<p id="summary"><span>page: <b id="link">connecting…</b></span><span>replay: <b id="phase">-</b></span><span>broker: <b id="conn">-</b></span><span>elapsed: <b id="elapsed">-</b></span></p>
<p id="counts"><span>sent: <b id="sent">0</b><span id="planned"></span></span> · <span><span id="published-label">acknowledged</span>: <b id="published">0</b></span> · <span>queued: <b id="queued">0</b></span> · <span>dropped: <b id="dropped">0</b></span> · <span>reconnects: <b id="reconnects">0</b></span></p>
<p>pacing error while connected: p50 <b id="p50">-</b>, p99 <b id="p99">-</b> <span id="delayed" class="note"></span></p>
<h2>sent and <span class="key-acked">acknowledged</span></h2>
<p class="note"><span class="key-sent">blue: sent</span>, <span class="key-acked">green dashed: acknowledged</span> (QoS 0: on the wire); shaded: the broker away; dashed lines: connection lost (red), reconnected (green).</p>
<svg id="progress" viewBox="0 0 800 150" role="img" aria-label="sent and acknowledged"></svg>
<h2>queue: handed to the client, not acknowledged yet</h2>
<svg id="queue" viewBox="0 0 800 150" role="img" aria-label="queue"></svg>
<h2>pacing error: each send against its plan (ms, the largest per point, while connected)</h2>
<svg id="pacing" viewBox="0 0 800 150" role="img" aria-label="pacing error"></svg>
<h2>outages</h2>
<ol id="outages"></ol>
<h2>connection marks</h2>
<ol id="marks"></ol>`,
});

/** replay's page over its ReplayLiveState. */
export function replayView(state: ReplayLiveState): LiveView {
  return { page: REPLAY_PAGE, version: () => state.version, frame: (now) => state.frame(now), state: (now) => state.apiState(now) };
}
