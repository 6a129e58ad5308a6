/**
 * The broker's own view: `$SYS` messages as rows of broker.sys.csv, and their payloads read as
 * numbers. Mosquitto publishes plain decimals (`240`, `0.97`), uptime as `12 seconds` and text
 * such as its version; aedes publishes client ids and its own id. Pure.
 */

/** broker.sys.csv's columns: `at` epoch ms with 3 decimals (like every log), the topic, the payload as text. */
export const SYS_COLUMNS = ['at', 'topic', 'value'] as const;

/** The filter the recorder subscribes to. */
export const SYS_FILTER = '$SYS/#';

/** Mosquitto's uptime (`12 seconds`), published at every $SYS tick: restarts and fresh ticks are seen by it. */
export const SYS_UPTIME = '$SYS/broker/uptime';

export interface SysRow {
  at: number;
  topic: string;
  value: string;
}

/**
 * The payload as a number: a decimal, optionally followed by a unit word (`12 seconds`).
 * Anything else (`mosquitto version 2.0.11`, a client id) is undefined: recorded, not counted.
 */
export function parseSysValue(text: string): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)(?:\s+[a-z]+)?\s*$/i.exec(text);
  if (!match) return undefined;
  const n = Number(match[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** `trace --sys` without a file: beside the trace, `out/trace.csv` → `out/trace.sys.csv` (like its events file). */
export function sysPathFor(outputPath: string): string {
  return outputPath.replace(/\.(csv|jsonl)$/i, '') + '.sys.csv';
}
