/** How two neighbouring points of a column become one when a series coarsens. */
export type Combine = 'last' | 'max';

/**
 * A whole run as a chart in bounded memory: points of several columns at one time each, at most
 * `capacity` of them. A sample that lands in the current slot replaces (or, for 'max' columns,
 * raises) the slot's point; when the series is full, neighbouring points merge pairwise and the
 * slot doubles. A run of any length thus keeps between capacity/2 and capacity points over its
 * whole span, and a push costs O(columns) (O(capacity) once per doubling).
 */
export class CoarseSeries {
  private times: number[] = [];
  private readonly columns: number[][];
  private slotStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly combine: readonly Combine[],
    readonly capacity: number,
    /** The first slot's length; doubles each time the series is full. */
    public slotMs: number,
  ) {
    if (capacity < 2) throw new Error('CoarseSeries: capacity ≥ 2');
    this.columns = combine.map(() => []);
  }

  get size(): number {
    return this.times.length;
  }

  /** A sample at `at` (not before the last one); allocates nothing within a slot. */
  push(at: number, values: readonly number[]): void {
    const n = this.times.length;
    const k = this.combine.length;
    if (n > 0 && at - this.slotStart < this.slotMs) {
      this.times[n - 1] = at;
      for (let c = 0; c < k; c++) {
        const column = this.columns[c]!;
        const v = values[c] ?? NaN;
        column[n - 1] = this.combine[c] === 'max' ? maxOf(column[n - 1]!, v) : v;
      }
      return;
    }
    if (n >= this.capacity) this.halve();
    this.slotStart = at;
    this.times.push(at);
    for (let c = 0; c < k; c++) this.columns[c]!.push(values[c] ?? NaN);
  }

  /** The points, oldest first: [time, ...values]. */
  points(): number[][] {
    return this.times.map((at, i) => [at, ...this.columns.map((column) => column[i]!)]);
  }

  /** The last point's values (undefined before the first push). */
  last(): number[] | undefined {
    const i = this.times.length - 1;
    return i < 0 ? undefined : this.columns.map((column) => column[i]!);
  }

  private halve(): void {
    const times: number[] = [];
    const columns: number[][] = this.columns.map(() => []);
    for (let i = 0; i < this.times.length; i += 2) {
      const j = Math.min(i + 1, this.times.length - 1);
      times.push(this.times[j]!);
      this.combine.forEach((how, c) => {
        const column = this.columns[c]!;
        columns[c]!.push(how === 'max' ? maxOf(column[i]!, column[j]!) : column[j]!);
      });
    }
    this.times = times;
    columns.forEach((column, c) => (this.columns[c] = column));
    this.slotMs *= 2;
  }
}

/** The larger, ignoring NaN (a slot without a value). */
function maxOf(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}
