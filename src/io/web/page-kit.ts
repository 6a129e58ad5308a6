import { cspHash } from '../output/csp-hash.js';

/**
 * What every live page shares: the style, the script's helpers (DOM and SVG building with text
 * only, the chart frame, the event stream that reconnects by itself) and the page's frame with
 * its Content-Security-Policy. A page adds its own markup, style and script.
 */
export const BASE_STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1rem 1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.2rem 0 .3rem}
#summary span{margin-right:1.2rem}.up{color:#1a7f37}.down,.state-offline,.state-connecting,.state-connected{color:#cf222e;font-weight:600}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{padding:.2rem .7rem;border-bottom:1px solid #d0d7de;text-align:left}
figure{margin:.5rem 0}figcaption{font-family:ui-monospace,monospace}svg{width:100%;max-width:900px;height:auto;display:block}
.plot{fill:#f6f8fa;stroke:#d0d7de}.axis{font-size:11px;fill:#57606a}.value{fill:none;stroke:#0969da;stroke-width:1.5}
.bar{fill:#8250df}.gap{fill:#ffebe9}.mark{stroke-width:2;stroke-dasharray:4 3}.mark-offline{stroke:#cf222e;color:#cf222e}
.mark-reconnect{stroke:#1a7f37;color:#1a7f37}.mark-session_lost{stroke:#bc4c00;color:#bc4c00}.mark-error{stroke:#6e7781}
#marks{font-family:ui-monospace,monospace;padding-left:1.2rem}.note{color:#57606a;font-size:.85rem}
`;

/** The helpers, first in every page's script. Everything shown goes in as textContent. */
export const BASE_SCRIPT = `
'use strict';
const NS = 'http://www.w3.org/2000/svg';
const W = 800, H = 150, L = 52, R = 8, T = 8, B = 20;
const $ = (id) => document.getElementById(id);

function el(name, cls, text) {
  const e = document.createElement(name);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svgEl(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (text !== undefined) e.textContent = text;
  return e;
}
function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}
function clock(at) {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
function age(ms) {
  if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
  if (ms < 60000) return Math.floor(ms / 1000) + ' s';
  return Math.floor(ms / 60000) + ' min';
}
/** Clears the chart, draws its box and axis labels; returns the scales. */
function frame(svg, t0, t1, lo, hi, left, right) {
  clear(svg);
  const x = (t) => L + ((t - t0) / Math.max(1, t1 - t0)) * (W - L - R);
  const y = (v) => (hi === lo ? H / 2 : T + (1 - (v - lo) / (hi - lo)) * (H - T - B));
  svg.appendChild(svgEl('rect', { class: 'plot', x: L, y: T, width: W - L - R, height: H - T - B }));
  svg.appendChild(svgEl('text', { class: 'axis', x: L - 4, y: T + 10, 'text-anchor': 'end' }, String(+hi.toPrecision(6))));
  svg.appendChild(svgEl('text', { class: 'axis', x: L - 4, y: H - B, 'text-anchor': 'end' }, String(+lo.toPrecision(6))));
  svg.appendChild(svgEl('text', { class: 'axis', x: L, y: H - 4 }, left));
  svg.appendChild(svgEl('text', { class: 'axis', x: W - R, y: H - 4, 'text-anchor': 'end' }, right));
  return { x, y };
}
/** A vertical dashed line at \`at\` with a tooltip. */
function vline(svg, s, at, cls, title) {
  const line = svgEl('line', { class: 'mark ' + cls, x1: s.x(at), x2: s.x(at), y1: T, y2: H - B });
  line.appendChild(svgEl('title', {}, title));
  svg.appendChild(line);
}
/** A polyline through [t, v] points; null values break it. */
function polyline(svg, s, points, cls) {
  let run = [];
  const flush = () => {
    if (run.length) svg.appendChild(svgEl('polyline', { class: cls, points: run.join(' ') }));
    run = [];
  };
  for (const [at, v] of points) {
    if (v === null || v === undefined) flush();
    else run.push(s.x(at).toFixed(1) + ',' + s.y(v).toFixed(1));
  }
  flush();
}
/** The event stream: EventSource retries by itself (the server says retry: 1000). */
function follow(render) {
  const source = new EventSource('/events');
  source.onopen = () => { $('link').textContent = 'live'; $('link').className = 'up'; };
  source.onerror = () => { $('link').textContent = 'tool not reachable, retrying…'; $('link').className = 'down'; };
  source.onmessage = (e) => render(JSON.parse(e.data));
}
`;

export interface LivePage {
  html: string;
  csp: string;
}

/**
 * A page: fixed markup (`body`), BASE_STYLE + `style`, BASE_SCRIPT + `script`. Nothing but its
 * own inline script and style may run, and it may talk only to its own origin (the event
 * stream): no network, no eval, no framing, no forms.
 */
export function livePage(parts: { title: string; body: string; style?: string; script: string }): LivePage {
  const style = BASE_STYLE + (parts.style ?? '');
  const script = BASE_SCRIPT + parts.script;
  const csp = [
    "default-src 'none'",
    `script-src ${cspHash(script)}`,
    `style-src ${cspHash(style)}`,
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${parts.title}</title>
<style>${style}</style>
</head>
<body>
${parts.body}
<script>${script}</script>
</body>
</html>
`;
  return { html, csp };
}
