// Interactive charts in self-contained HTML pages (compare's BASE.html, the experiment's
// report.html): the static picture first, then Vega (with vega-embed and its CSP-safe expression
// interpreter) replaces it with a live view that zooms, pans and shows tooltips. Nothing is
// loaded from the network, and the page's Content-Security-Policy allows only the inline scripts
// it carries, by their sha256 hashes: no 'unsafe-inline' and no 'unsafe-eval' for scripts.

import { escapeHtml } from '../escape-html.js';

/** The scripts a page with live charts carries: the `<script>` elements and their CSP sources. */
export interface LiveChartAssets {
  /** `<script>` elements, to put at the end of the body (after the figures they bring to life). */
  scripts: string;
  /** Their `'sha256-…'` sources for the CSP's script-src. */
  scriptSources: string[];
  /** Their total size in bytes, as the page carries them. */
  bytes: number;
}

/**
 * Turns every `figure[data-live-chart]` into a live view once vega and vega-embed (inlined before
 * it) are there. `ast: true` makes Vega hand expressions to the interpreter instead of compiling
 * them with `new Function`, which the CSP forbids. Vega's warnings stay quiet (an empty layer,
 * e.g. no duplicates, warns of an infinite extent); its errors still reach the console. The static picture is hidden only when the
 * live view rendered; if anything fails it stays, and the reason goes to the console.
 */
export const BOOT_SCRIPT = `(function () {
  if (typeof vegaEmbed !== 'function') return;
  document.querySelectorAll('figure[data-live-chart]').forEach(function (figure) {
    var source = figure.querySelector('script[type="application/json"]');
    if (!source) return;
    var live = document.createElement('div');
    live.className = 'live';
    figure.appendChild(live);
    vegaEmbed(live, JSON.parse(source.textContent), { mode: 'vega', renderer: 'svg', actions: false, ast: true, logLevel: vega.Error, tooltip: { theme: 'light' } })
      .then(function () { figure.classList.add('live-ready'); })
      .catch(function (error) { live.remove(); console.warn('sensortrace: interactive chart unavailable, static one kept: ' + error.message); });
  });
})();`;

/** The CSS the figures need: the live view replaces the static picture once it has drawn. */
export const LIVE_CHART_STYLE = `figure[data-live-chart].live-ready .static{display:none}
figure[data-live-chart] .live{overflow-x:auto}
figure[data-live-chart] .hint{color:#57606a;font-size:.85rem;margin:.2rem 0 0}
figure[data-live-chart]:not(.live-ready) .hint{display:none}`;

/**
 * JSON to put inside `<script type="application/json">`: every `<` escaped, so no string in the
 * data can close the element (`</script>`) or open a comment.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * A chart figure: `staticHtml` (an inline SVG or an <img>) shows on its own where scripts are
 * blocked; `vegaSpec` (a compiled Vega spec) becomes the live view where they run.
 */
export function liveFigure(staticHtml: string, vegaSpec: unknown): string {
  return [
    '<figure data-live-chart>',
    `<div class="static">${staticHtml}</div>`,
    `<script type="application/json">${jsonForScript(vegaSpec)}</script>`,
    '<p class="hint">Wheel or pinch to zoom the time axis, drag to pan, double-click to reset; hover a point for its message.</p>',
    '</figure>',
  ].join('\n');
}

/**
 * The page's Content-Security-Policy: nothing from the network; images only as data: URIs;
 * inline styles (Vega's SVG and tooltip use them); scripts only those listed by hash.
 */
export function pageCsp(assets?: LiveChartAssets): string {
  const script = assets && assets.scriptSources.length > 0 ? `; script-src ${assets.scriptSources.join(' ')}` : '';
  return `default-src 'none'; img-src data:; style-src 'unsafe-inline'${script}`;
}


/** compare's BASE.html: one live chart on a page of its own. */
export function livePage(title: string, figure: string, assets: LiveChartAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${pageCsp(assets)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}figure{margin:0}svg{max-width:100%;height:auto}
${LIVE_CHART_STYLE}</style>
</head>
<body>
${figure}
${assets.scripts}
</body>
</html>
`;
}
