/** The last `capacity` items of a stream of marks, and how many there were in all. */
export class MarkList<T> {
  private list: T[] = [];
  total = 0;

  constructor(readonly capacity: number) {}

  add(item: T): void {
    this.list.push(item);
    this.total++;
    // Dropped in halves: amortised O(1), never more than twice the capacity kept.
    if (this.list.length >= 2 * this.capacity) this.list = this.list.slice(-this.capacity);
  }

  last(): T | undefined {
    return this.list[this.list.length - 1];
  }

  /** The last `capacity` items, oldest first (a copy). */
  items(): T[] {
    return this.list.slice(-this.capacity);
  }
}
