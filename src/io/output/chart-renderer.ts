import { SensortraceError } from '../../core/errors.js';

/**
 * Vega-Lite → SVG (vega's headless View, no browser) → PNG (resvg, a native module from npm).
 * vega and vega-lite are loaded on first use only: they take a noticeable time to import, and
 * only compare and experiment draw charts.
 */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, compiled] = await Promise.all([import('vega'), compileVegaLite(spec)]);
  // Vega logs a failed dataflow step and goes on with a half-drawn picture: collected and thrown instead.
  const errors: string[] = [];
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: collectingLogger(errors) });
  try {
    const svg = await view.toSVG().catch((error: unknown) => {
      errors.push((error as Error).message);
      return '';
    });
    if (errors.length) throw new SensortraceError(`cannot draw the chart: ${errors.join('; ')}`, 'E_INTERNAL');
    return svg;
  } finally {
    view.finalize();
  }
}

/** Vega-Lite → Vega: what a page needs to draw the chart without vega-lite. */
export async function compileVegaLite(spec: Record<string, unknown>): Promise<import('vega').Spec> {
  const vegaLite = await import('vega-lite');
  try {
    return plainDatetimes(vegaLite.compile(spec as never).spec) as import('vega').Spec;
  } catch (error) {
    throw new SensortraceError(`cannot compile the chart: ${(error as Error).message}`, 'E_INTERNAL', undefined, { cause: error });
  }
}

/**
 * Vega-Lite writes a fixed time domain as `{"signal": "datetime(<epoch ms>)"}`. Vega's compiled
 * expressions read that as a timestamp, but its CSP-safe interpreter (the live charts) reads it
 * as datetime(year) — NaN, an empty axis. A plain number means the same to both.
 */
export function plainDatetimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainDatetimes);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const only = entries.length === 1 && entries[0]![0] === 'signal' && typeof entries[0]![1] === 'string' ? /^datetime\((-?\d+(?:\.\d+)?)\)$/.exec(entries[0]![1]) : null;
  if (only) return Number(only[1]);
  return Object.fromEntries(entries.map(([key, item]) => [key, plainDatetimes(item)]));
}

interface Logger {
  level(_?: number): number | Logger;
  error(...args: readonly unknown[]): Logger;
  warn(...args: readonly unknown[]): Logger;
  info(...args: readonly unknown[]): Logger;
  debug(...args: readonly unknown[]): Logger;
}

/** Vega's logger interface: errors into `errors`, the rest dropped (as Vega's default level does). */
function collectingLogger(errors: string[]): Logger {
  const logger: Logger = {
    level: (level?: number) => (level === undefined ? 1 : logger),
    error: (...args) => {
      errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
      return logger;
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger;
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
