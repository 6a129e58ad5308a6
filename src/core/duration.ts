import { optionError, usageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;

/** What every duration error says is expected, so flags, scenarios and rules read alike. */
export const DURATION_EXAMPLE = 'a duration like 500ms, 20s, 2m or 1h';

/**
 * The one duration grammar: `500ms`, `20s`, `2m`, `1.5h`, or a bare number of seconds (text or a
 * number, as JSON/YAML files give it). Undefined when the value is not a duration; callers decide
 * how to report that (an option error for a library option, an input error for a file field).
 */
export function durationToMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value);
  return match ? Number(match[1]) * UNITS[match[2] ?? 's']! : undefined;
}

/**
 * A duration option (`drainTimeout: expected …`). `option` is the library option's name; a
 * caller that still passes a flag (`--idle`) gets that flag back verbatim in a usage error.
 */
export function parseDuration(text: string, option = 'duration'): number {
  const ms = durationToMs(text);
  if (ms !== undefined) return ms;
  const what = `expected ${DURATION_EXAMPLE} (found "${text}")`;
  throw option.startsWith('-') ? usageError(`${option}: ${what}`) : optionError(option, what);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
