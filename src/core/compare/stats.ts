/** Latency summary in milliseconds; every field is null when there was nothing to measure. */
export interface LatencyStats {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/**
 * Nearest-rank percentile (the smallest value with at least p% of the values at or below
 * it): always one of the measured values, so a hand count over a fixture gives the same
 * number, unlike interpolating definitions.
 */
export function nearestRank(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Rounded to microseconds: file times carry 3 decimals of ms, more would be noise. */
function round3(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}

export function latencyStats(values: ArrayLike<number>): LatencyStats {
  // A typed array sorts numerically and stays compact for a million samples.
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: round3(nearestRank(sorted, 50)),
    p95: round3(nearestRank(sorted, 95)),
    p99: round3(nearestRank(sorted, 99)),
    max: round3(sorted.length ? sorted[sorted.length - 1]! : null),
    mean: round3(sorted.length ? sum / sorted.length : null),
  };
}
