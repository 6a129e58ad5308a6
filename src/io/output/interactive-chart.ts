import { SensortraceError } from '../../core/errors.js';
import { cspHash } from './csp-hash.js';
import { packageBuild } from './package-builds.js';
import { BOOT_SCRIPT, type LiveChartAssets } from '../../core/chart/live-chart.js';

/**
 * The browser builds of vega and vega-embed, read from the installed packages (vega-embed's
 * build carries vega-tooltip and vega-interpreter, the CSP-safe expression evaluator), plus the
 * boot script; each as an inline `<script>` with its sha256 for the page's CSP. vega-lite is not
 * needed in the page: specs are compiled to Vega here. vega's file is the one the chart renderer
 * runs (package-builds.ts), read once for both.
 */
const BROWSER_BUILDS = [
  ['vega', 'vega.min.js'],
  ['vega-embed', 'vega-embed.min.js'],
] as const;

let cached: LiveChartAssets | undefined;

/** Read once per process: about 580 kB of script. */
export function liveChartAssets(): LiveChartAssets {
  if (cached) return cached;
  const texts = [...BROWSER_BUILDS.map(([pkg, file]) => packageBuild(pkg, file)), BOOT_SCRIPT];
  for (const text of texts) {
    // Inside <script>, these would end the element early or change how the HTML parser reads it.
    if (/<\/script|<!--/i.test(text)) throw new SensortraceError('an inline script contains "</script" or "<!--"', 'E_INTERNAL');
  }
  cached = {
    scripts: texts.map((text) => `<script>${text}</script>`).join('\n'),
    scriptSources: texts.map(cspHash),
    bytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
  };
  return cached;
}
