import { existsSync } from 'node:fs';
import { SensortraceError } from '../../core/errors.js';

/**
 * Vega-Lite → SVG (vega's headless View, no browser) → PNG (resvg, a native module from npm).
 * vega and vega-lite are loaded on first use only: they take a noticeable time to import, and
 * only compare and experiment draw charts.
 */

type ChartModules = [typeof import('vega'), typeof import('vega-lite'), typeof import('@resvg/resvg-js')];
let loading: Promise<ChartModules> | undefined;

/**
 * Starts importing vega, vega-lite and resvg (~0.3 s) without waiting: a caller that will draw
 * calls it before reading its inputs, so the file reads overlap the imports. Safe to call often.
 */
export function preloadChartModules(): Promise<ChartModules> {
  loading ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  loading.catch(() => undefined); // an import failure surfaces where the modules are used
  return loading;
}

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await preloadChartModules();
  let compiled;
  try {
    compiled = vegaLite.compile(spec as never).spec;
  } catch (error) {
    throw new SensortraceError(`cannot compile the chart: ${(error as Error).message}`, 'E_INTERNAL', undefined, { cause: error });
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function svgToPng(svg: string, options: { width?: number } = {}): Promise<Buffer> {
  const [, , { Resvg }] = await preloadChartModules();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: options.width ? { mode: 'width', value: options.width } : { mode: 'original' },
    font: chartFonts(),
  });
  return resvg.render().asPng();
}

/** Where Debian and Ubuntu put the DejaVu Sans the chart spec asks for (regular and bold). */
const DEJAVU = ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'];

/**
 * The fonts resvg loads. Scanning every system font costs ~0.15 s a chart (measured with 147
 * fonts installed); the chart uses DejaVu Sans only, so when its files are where Debian puts
 * them, those two are loaded instead. Elsewhere, the system fonts as before.
 */
function chartFonts(): { loadSystemFonts: boolean; fontFiles?: string[]; defaultFontFamily: string } {
  const files = DEJAVU.filter((path) => existsSync(path));
  if (files.length === DEJAVU.length) return { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans' };
  return { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };
}
