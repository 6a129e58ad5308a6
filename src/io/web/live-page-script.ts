/**
 * The topics page's script (watch, trace), after the kit's helpers (page-kit.ts); inline and
 * allowed by its sha256 in the CSP. Hand-written SVG drawing, no library. Every topic, payload and detail reaches the page through textContent or an SVG
 * text node, never as markup. EventSource reconnects by itself (the server sends `retry: 1000`),
 * so a tab survives the tool being restarted.
 */
export const LIVE_PAGE_SCRIPT = `
const rows = new Map();
const figures = new Map();

const MARK_TEXT = { offline: 'connection lost', reconnect: 'reconnected', session_lost: 'session lost', error: 'error' };
function markText(m) {
  return clock(m.at) + ' ' + MARK_TEXT[m.kind] + (m.detail ? ' (' + m.detail + ')' : '');
}

function renderTable(f) {
  const body = $('topics').tBodies[0];
  const rates = new Map(f.rates.map((r) => [r.topic, r.rate]));
  for (const t of f.topics) {
    let row = rows.get(t.topic);
    if (!row) {
      row = el('tr');
      for (const c of ['topic', 'count', 'rate', 'age', 'last']) row.appendChild(el('td', c));
      row.cells[0].textContent = t.topic;
      body.appendChild(row);
      rows.set(t.topic, row);
    }
    row.cells[1].textContent = String(t.count);
    row.cells[2].textContent = (rates.get(t.topic) || 0).toFixed(1);
    row.cells[3].textContent = age(f.now - t.last_at);
    row.cells[4].textContent = String(t.last_value);
  }
}

function windowFrame(svg, t0, t1, lo, hi) {
  return frame(svg, t0, t1, lo, hi, '-' + Math.round((t1 - t0) / 1000) + ' s', 'now');
}

function drawMarks(svg, s, marks) {
  for (const m of marks) vline(svg, s, m.at, 'mark-' + m.kind, markText(m));
}

/** A gap: two points further apart than 4 times the usual spacing (and at least 2 s). */
function gapLimit(points) {
  const d = [];
  for (let i = 1; i < points.length; i++) d.push(points[i][0] - points[i - 1][0]);
  d.sort((a, b) => a - b);
  return Math.max(2000, 4 * (d[Math.floor(d.length / 2)] || 0));
}

function drawSeries(svg, points, t0, t1, marks) {
  const values = points.map((p) => p[1]).filter((v) => v !== null);
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const s = windowFrame(svg, t0, t1, lo, hi);
  const limit = gapLimit(points);
  let run = [];
  const flush = () => {
    if (run.length) svg.appendChild(svgEl('polyline', { class: 'value', points: run.join(' ') }));
    run = [];
  };
  for (let i = 0; i < points.length; i++) {
    const [at, v] = points[i];
    if (i > 0 && at - points[i - 1][0] > limit) {
      flush();
      const a = s.x(points[i - 1][0]);
      svg.appendChild(svgEl('rect', { class: 'gap', x: a, y: T, width: Math.max(1, s.x(at) - a), height: H - T - B }));
    }
    if (v === null) flush();
    else run.push(s.x(at).toFixed(1) + ',' + s.y(v).toFixed(1));
  }
  flush();
  drawMarks(svg, s, marks);
}

function drawArrivals(svg, arrivals, t0, t1, marks) {
  const hi = Math.max(1, ...arrivals.map((a) => a[1]));
  const s = windowFrame(svg, t0, t1, 0, hi);
  const w = Math.max(1, s.x(t0 + 1000) - s.x(t0) - 1);
  for (const [at, n] of arrivals) {
    if (n > 0) svg.appendChild(svgEl('rect', { class: 'bar', x: s.x(at), y: s.y(n), width: w, height: H - B - s.y(n) }));
  }
  drawMarks(svg, s, marks);
}

function renderCharts(f) {
  const t1 = f.now, t0 = f.now - f.window_ms;
  drawArrivals($('arrivals'), f.arrivals, t0, t1, f.marks);
  const keep = new Set(f.series.map((s) => s.topic));
  for (const [topic, fig] of figures) if (!keep.has(topic)) { fig.remove(); figures.delete(topic); }
  for (const series of f.series) {
    let fig = figures.get(series.topic);
    if (!fig) {
      fig = el('figure');
      fig.appendChild(el('figcaption', '', series.topic));
      fig.appendChild(svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, class: 'chart' }));
      $('charts').appendChild(fig);
      figures.set(series.topic, fig);
    }
    drawSeries(fig.lastChild, series.points, t0, t1, f.marks);
  }
}

function renderMarks(f) {
  const list = $('marks');
  clear(list);
  for (const m of f.marks.slice().reverse()) list.appendChild(el('li', 'mark-' + m.kind, markText(m)));
}

function render(f) {
  const c = f.connection;
  $('conn').textContent = c.state + ', ' + c.reconnects + ' reconnect' + (c.reconnects === 1 ? '' : 's') + (c.sessionsLost ? ', ' + c.sessionsLost + ' session(s) lost' : '');
  $('conn').className = 'state-' + c.state;
  $('total').textContent = String(f.total);
  $('rate').textContent = f.rate.toFixed(1);
  $('other').textContent = f.other_topics ? f.other_topics + ' on further topics (not listed)' : '';
  renderTable(f);
  renderCharts(f);
  renderMarks(f);
}

follow(render);
`;
