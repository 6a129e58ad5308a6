/**
 * Shape-preserving downsampling for plots: the x range is cut into `buckets` columns (one per
 * pixel is the intent) and each column keeps its first, last, lowest and highest point. Peaks,
 * dips and steps survive, which an average or an every-nth pick would hide; a million points
 * become at most 4 × buckets. `xs` must be ascending. Returns the kept indices, ascending.
 */
export function minMaxIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): number[] {
  const n = xs.length;
  if (n <= buckets * 4 || n === 0) return Array.from({ length: n }, (_, i) => i);
  const x0 = xs[0]!;
  const span = xs[n - 1]! - x0 || 1;
  const kept: number[] = [];
  let start = 0;
  while (start < n) {
    const column = Math.min(buckets - 1, Math.floor(((xs[start]! - x0) / span) * buckets));
    let end = start;
    let lo = start;
    let hi = start;
    while (end + 1 < n && Math.min(buckets - 1, Math.floor(((xs[end + 1]! - x0) / span) * buckets)) === column) {
      end++;
      if (ys[end]! < ys[lo]!) lo = end;
      if (ys[end]! > ys[hi]!) hi = end;
    }
    for (const i of new Set([start, lo, hi, end].sort((a, b) => a - b))) kept.push(i);
    start = end + 1;
  }
  return kept;
}

/** Every `step`-th of many markers, when drawing all would drown the picture: returns the kept count too. */
export function thinMarkers<T>(markers: readonly T[], max: number): { kept: T[]; total: number } {
  if (markers.length <= max) return { kept: [...markers], total: markers.length };
  const step = markers.length / max;
  const kept: T[] = [];
  for (let i = 0; i < max; i++) kept.push(markers[Math.floor(i * step)]!);
  return { kept, total: markers.length };
}
