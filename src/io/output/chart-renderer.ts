import { existsSync } from 'node:fs';
import { SensortraceError } from '../../core/errors.js';
import { loadUmdBuild, packageBuildAsync } from './package-builds.js';

/**
 * Vega-Lite → SVG (vega's headless View, no browser) → PNG (resvg, a native module from npm).
 * vega and vega-lite are loaded on first use only, from their single-file builds (see
 * package-builds.ts): only compare and experiment draw charts.
 */

type ChartModules = [typeof import('vega'), typeof import('vega-lite'), typeof import('@resvg/resvg-js')];
let loading: Promise<ChartModules> | undefined;

async function loadChartModules(): Promise<ChartModules> {
  // vega-lite's file is read while vega's runs; it needs vega to run itself.
  const [vega, resvg] = await Promise.all([loadUmdBuild<typeof import('vega')>('vega', 'vega.min.js'), import('@resvg/resvg-js'), packageBuildAsync('vega-lite', 'vega-lite.min.js')]);
  const vegaLite = await loadUmdBuild<typeof import('vega-lite')>('vega-lite', 'vega-lite.min.js', { vega });
  return [vega, vegaLite, resvg];
}

/**
 * Starts loading vega, vega-lite and resvg (~0.1 s) without waiting: a caller that will draw
 * calls it before reading its inputs, so the file reads overlap the loading. Safe to call often.
 */
export function preloadChartModules(): Promise<ChartModules> {
  loading ??= loadChartModules();
  loading.catch(() => undefined); // a loading failure surfaces where the modules are used
  return loading;
}

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [[vega], compiled] = await Promise.all([preloadChartModules(), compileVegaLite(spec)]);
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
  const [, vegaLite] = await preloadChartModules();
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
  if (value === null || typeof value !== 'object') return value;
  // Copy on write: the compiled spec holds every data row, which this leaves as they are.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const plain = plainDatetimes(item);
      if (plain !== item) (out ??= value.slice())[i] = plain;
    }
    return out ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === 'signal' && typeof record.signal === 'string') {
    const only = /^datetime\((-?\d+(?:\.\d+)?)\)$/.exec(record.signal);
    if (only) return Number(only[1]);
  }
  let out: Record<string, unknown> | undefined;
  for (const key of keys) {
    const item = record[key];
    const plain = plainDatetimes(item);
    if (plain !== item) (out ??= { ...record })[key] = plain;
  }
  return out ?? value;
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

/**
 * SVG → PNG. resvg parses, lays out text and rasterises on libuv's thread pool (renderAsync), so
 * the caller's thread goes on (compare compiles the interactive chart meanwhile); only the PNG
 * encoding runs here.
 */
export async function svgToPng(svg: string, options: { width?: number; signal?: AbortSignal } = {}): Promise<Buffer> {
  const [, , { renderAsync }] = await preloadChartModules();
  const image = await renderAsync(
    svg,
    {
      background: 'white',
      fitTo: options.width ? { mode: 'width', value: options.width } : { mode: 'original' },
      font: chartFonts(),
    },
    options.signal,
  );
  return image.asPng();
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
