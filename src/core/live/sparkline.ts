const BARS = '▁▂▃▄▅▆▇█';

/**
 * Values as a row of block characters, lowest ▁ to highest █, scaled to the values' own range
 * (a flat series is a row of ▄). Only the last `width` values are drawn; an empty series is ''.
 */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.filter(Number.isFinite).slice(-Math.max(0, width));
  if (shown.length === 0 || width <= 0) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of shown) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  return shown
    .map((v) => (span === 0 ? BARS[3]! : BARS[Math.min(BARS.length - 1, Math.floor(((v - min) / span) * BARS.length))]!))
    .join('');
}
