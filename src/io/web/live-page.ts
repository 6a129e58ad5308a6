import { cspHash } from '../output/csp-hash.js';
import { LIVE_PAGE_SCRIPT } from './live-page-script.js';

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1rem 1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.3rem;margin:0 0 .3rem}h2{font-size:1rem;margin:1.2rem 0 .3rem}
#summary span{margin-right:1.2rem}.up{color:#1a7f37}.down,.state-offline,.state-connecting,.state-connected{color:#cf222e;font-weight:600}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{padding:.2rem .7rem;border-bottom:1px solid #d0d7de;text-align:left}
td.count,td.rate,td.age{text-align:right}td.topic,td.last{font-family:ui-monospace,monospace;white-space:pre;max-width:32rem;overflow:hidden;text-overflow:ellipsis}
figure{margin:.5rem 0}figcaption{font-family:ui-monospace,monospace}svg{width:100%;max-width:900px;height:auto;display:block}
.plot{fill:#f6f8fa;stroke:#d0d7de}.axis{font-size:11px;fill:#57606a}.value{fill:none;stroke:#0969da;stroke-width:1.5}
.bar{fill:#8250df}.gap{fill:#ffebe9}.mark{stroke-width:2;stroke-dasharray:4 3}.mark-offline{stroke:#cf222e;color:#cf222e}
.mark-reconnect{stroke:#1a7f37;color:#1a7f37}.mark-session_lost{stroke:#bc4c00;color:#bc4c00}.mark-error{stroke:#6e7781}
#marks{font-family:ui-monospace,monospace;padding-left:1.2rem}.note{color:#57606a;font-size:.85rem}
`;

/**
 * Nothing but this page's own inline script and style may run, and it may talk only to its own
 * origin (the event stream): no network, no eval, no framing, no forms.
 */
export const LIVE_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${cspHash(LIVE_PAGE_SCRIPT)}`,
  `style-src ${cspHash(STYLE)}`,
  "connect-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The page: fixed markup; everything live is filled in by the script as text. */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>sensortrace live</title>
<style>${STYLE}</style>
</head>
<body>
<h1>sensortrace live</h1>
<p id="summary"><span>page: <b id="link">connecting…</b></span><span>broker: <b id="conn">-</b></span><span>messages: <b id="total">0</b></span><span>per second: <b id="rate">0.0</b></span><span id="other" class="note"></span></p>
<table id="topics"><thead><tr><th>topic</th><th>count</th><th>per second</th><th>age</th><th>last value</th></tr></thead><tbody></tbody></table>
<h2>arrivals per second</h2>
<svg id="arrivals" viewBox="0 0 800 150" role="img" aria-label="arrivals per second"></svg>
<h2>values</h2>
<p class="note">The most recently active topics with numeric values, one point per 200 ms; shaded: a gap in arrivals; dashed lines: connection lost (red), reconnected (green), session lost (orange).</p>
<div id="charts"></div>
<h2>connection marks</h2>
<ol id="marks"></ol>
<script>${LIVE_PAGE_SCRIPT}</script>
</body>
</html>
`;
