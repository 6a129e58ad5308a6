import { SensortraceError } from '../../core/errors.js';

/**
 * Vega-Lite → SVG (vega's headless View, no browser) → PNG (resvg, a native module from npm).
 * vega and vega-lite are loaded on first use only: they take a noticeable time to import, and
 * only compare and experiment draw charts.
 */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
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
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: options.width ? { mode: 'width', value: options.width } : { mode: 'original' },
    // System fonts so text renders; DejaVu Sans is what the spec asks for and Debian ships.
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
