/**
 * Synthetic profiles of any size, line by line (a generator, so 10 million rows never sit in
 * memory). Seeded, so the same options always give the same file.
 */
import { optionError } from '../errors.js';
import { formatNumber } from '../mqtt/payload.js';
import type { ProfileShape, TimeFormat } from './format.js';

export type GeneratorPattern = 'daily' | 'ramp' | 'steps' | 'noise';
export const GENERATOR_PATTERNS: readonly GeneratorPattern[] = ['daily', 'ramp', 'steps', 'noise'];

export interface GenerateProfileOptions {
  pattern: GeneratorPattern;
  sensors: string[];
  /** Readings per second, per sensor. */
  rateHz: number;
  /** Time between readings (ms); wins over rateHz, and keeps slow rates exact (5 min, not 1/300 Hz). */
  intervalMs?: number;
  durationMs: number;
  /** Epoch ms of the first reading. */
  startMs: number;
  shape: ProfileShape;
  timeFormat: TimeFormat;
  delimiter: ',' | ';' | '\t' | ' ';
  decimalComma?: boolean;
  /** Mean temperature. */
  base?: number;
  /** Daily swing (half peak-to-peak), ramp rise, or step height. */
  amplitude?: number;
  /** Standard deviation of the noise added to every reading. */
  noise?: number;
  seed?: number;
  decimals?: number;
  /** Write a header line (default: yes, except for space-separated single-sensor files, the tutorial's format). */
  header?: boolean;
}

const DAY_MS = 86_400_000;

/**
 * The most readings one call writes: 100 million, a file of roughly 2 to 4 GB that takes a few
 * minutes. A rate and duration asking for more (`--rate 1e9 --duration 1h`) are a slip, not a
 * profile anyone replays, so they are refused up front rather than filling the disk.
 */
export const MAX_GENERATED_READINGS = 100_000_000;

/** mulberry32: small, fast, good enough for test data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(next: () => number): () => number {
  return () => {
    const u = Math.max(next(), Number.EPSILON);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

export function generatedRowCount(options: Pick<GenerateProfileOptions, 'durationMs' | 'rateHz' | 'intervalMs'>): number {
  const step = options.intervalMs ?? 1000 / options.rateHz;
  return Math.max(1, Math.round(options.durationMs / step));
}

/** Readings the options ask for: time steps × sensors (one per step for a single sensor). */
export function generatedReadingCount(options: Pick<GenerateProfileOptions, 'durationMs' | 'rateHz' | 'intervalMs' | 'sensors'>): number {
  return generatedRowCount(options) * Math.max(1, options.sensors.length);
}

/** Whether the file starts with a header line (the tutorial's space-separated single-sensor format has none). */
export function generatedHeader(options: Pick<GenerateProfileOptions, 'header' | 'delimiter' | 'shape'>): boolean {
  return options.header ?? !(options.delimiter === ' ' && options.shape === 'single');
}

/** Refuses bad options and sizes over MAX_GENERATED_READINGS, before any file is opened. */
export function checkGenerateOptions(o: GenerateProfileOptions): void {
  if (o.sensors.length === 0) throw optionError('sensors', 'at least one sensor');
  if (o.shape === 'single' && o.sensors.length > 1) throw optionError('shape', 'single holds one sensor; use long or wide for several');
  if (!(o.rateHz > 0)) throw optionError('rateHz', 'expected a positive number');
  if (o.intervalMs !== undefined && !(o.intervalMs > 0)) throw optionError('intervalMs', 'expected a positive duration');
  if (!(o.durationMs >= 0) || !Number.isFinite(o.durationMs)) throw optionError('durationMs', 'expected a duration');
  const readings = generatedReadingCount(o);
  if (!(readings <= MAX_GENERATED_READINGS)) {
    const byRate = o.intervalMs === undefined;
    const change = byRate ? 'lower `rateHz` or `durationMs`' : 'raise `intervalMs` or lower `durationMs`';
    throw optionError(byRate ? 'rateHz' : 'intervalMs', `asks for ${formatCount(readings)} readings, over the maximum of ${formatCount(MAX_GENERATED_READINGS)} per file: ${change}, or generate several files`);
  }
  if (o.decimalComma && o.delimiter === ',') throw optionError('decimalComma', 'needs a delimiter other than ","');
  for (const s of o.sensors) if (/[\s,;"]/.test(s) || s === '') throw optionError('sensors', `sensor names cannot be empty or contain spaces, commas, semicolons or quotes (found "${s}")`);
}

function formatCount(n: number): string {
  return n < 1e9 ? String(n) : n.toExponential(2).replace('e+', 'e');
}

export function* generateProfileLines(options: GenerateProfileOptions): Generator<string> {
  checkGenerateOptions(options);
  const o = { base: 20, amplitude: 3, noise: 0.1, seed: 1, decimals: 2, ...options };
  const d = o.delimiter;
  const noise = gaussian(random(o.seed));
  const count = generatedRowCount(o);
  const stepMs = o.intervalMs ?? 1000 / o.rateHz;
  const time = (t: number): string => {
    switch (o.timeFormat) {
      case 'epoch-s':
        return formatNumber(t / 1000, 3);
      case 'epoch-ms':
        return formatNumber(t, 3);
      case 'iso':
        return new Date(t).toISOString();
      case 'relative-s':
        return formatNumber((t - o.startMs) / 1000, 3);
    }
  };
  const value = (t: number, sensorIndex: number): string => {
    const elapsed = t - o.startMs;
    const fraction = o.durationMs > 0 ? elapsed / o.durationMs : 0;
    let level: number;
    switch (o.pattern) {
      case 'daily': {
        // Coolest near 03:00, warmest near 15:00 (UTC), each sensor a little warmer than the last.
        const dayPhase = (((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS;
        level = o.amplitude * Math.sin(2 * Math.PI * (dayPhase - 0.375));
        break;
      }
      case 'ramp':
        level = o.amplitude * fraction;
        break;
      case 'steps':
        level = o.amplitude * ([0, 1, 0.5, -0.5][Math.min(3, Math.floor(fraction * 4))] ?? 0);
        break;
      case 'noise':
        level = 0;
        break;
    }
    const v = o.base + sensorIndex * 0.5 + level + o.noise * noise();
    const text = v.toFixed(o.decimals);
    return o.decimalComma ? text.replace('.', ',') : text;
  };
  if (generatedHeader(o)) {
    if (o.shape === 'single') yield `time${d}value\n`;
    else if (o.shape === 'long') yield `time${d}sensor${d}value\n`;
    else yield `time${d}${o.sensors.join(d)}\n`;
  }
  for (let k = 0; k < count; k++) {
    // Rounded to the microsecond so float steps never print as 23:55:00.001.
    const t = Math.round((o.startMs + k * stepMs) * 1000) / 1000;
    const at = time(t);
    if (o.shape === 'single') yield `${at}${d}${value(t, 0)}\n`;
    else if (o.shape === 'long') for (let i = 0; i < o.sensors.length; i++) yield `${at}${d}${o.sensors[i]}${d}${value(t, i)}\n`;
    else yield `${at}${d}${o.sensors.map((_, i) => value(t, i)).join(d)}\n`;
  }
}
