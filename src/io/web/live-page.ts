import { apiState, liveFrame } from '../../core/live/live-json.js';
import type { LiveState } from '../../core/live/live-state.js';
import type { LiveView } from './live-server.js';
import { LIVE_PAGE_SCRIPT } from './live-page-script.js';
import { livePage } from './page-kit.js';

const STYLE = `
td.count,td.rate,td.age{text-align:right}td.topic,td.last{font-family:ui-monospace,monospace;white-space:pre;max-width:32rem;overflow:hidden;text-overflow:ellipsis}
`;

/** The topics page (watch, trace): fixed markup; everything live is filled in by the script as text. */
export const TOPICS_PAGE = livePage({
  title: 'sensortrace live',
  style: STYLE,
  script: LIVE_PAGE_SCRIPT,
  body: `<h1>sensortrace live</h1>
<p id="summary"><span>page: <b id="link">connecting…</b></span><span>broker: <b id="conn">-</b></span><span>messages: <b id="total">0</b></span><span>per second: <b id="rate">0.0</b></span><span id="other" class="note"></span></p>
<table id="topics"><thead><tr><th>topic</th><th>count</th><th>per second</th><th>age</th><th>last value</th></tr></thead><tbody></tbody></table>
<h2>arrivals per second</h2>
<svg id="arrivals" viewBox="0 0 800 150" role="img" aria-label="arrivals per second"></svg>
<h2>values</h2>
<p class="note">The most recently active topics with numeric values, one point per 200 ms; shaded: a gap in arrivals; dashed lines: connection lost (red), reconnected (green), session lost (orange).</p>
<div id="charts"></div>
<h2>connection marks</h2>
<ol id="marks"></ol>`,
});

/** watch's and trace's page over their LiveState. */
export function topicsView(state: LiveState): LiveView {
  return {
    page: TOPICS_PAGE,
    version: () => state.version,
    frame: (now) => liveFrame(state, now),
    state: (now) => apiState(state.snapshot(now)),
  };
}
