/**
 * Which partition keys (sensors, rooms: a rule's `by`) the engine still remembers, and the
 * eviction policy that bounds its memory instead of a fixed number of keys:
 * - a key not seen for `idleMs` expires: its state, windows, partial patterns and pending
 *   absences are forgotten (the idle time is never shorter than the longest `within` or window
 *   duration of the rules, so a pending absence or a window in use is not cut short by it);
 * - past `maxKeys` keys, the least recently seen one is evicted the same way.
 * Keys are kept in order of their last event (a Map re-inserted on each touch), so both checks
 * look only at the oldest keys: O(1) amortised per event.
 */
export class PartitionKeys {
  /** Keys forgotten so far (idle or over the cap). */
  evicted = 0;
  private readonly lastSeen = new Map<string, number>();
  /** The key touched last: already at the end of the order, so touching it again moves nothing. */
  private newest: string | undefined;

  constructor(
    readonly idleMs: number,
    readonly maxKeys: number,
    private readonly forget: (key: string) => void,
  ) {}

  get size(): number {
    return this.lastSeen.size;
  }

  /** `key` had an event at `now` (arrival time); older keys may expire. */
  touch(key: string, now: number): void {
    if (key !== this.newest) {
      this.lastSeen.delete(key);
      this.newest = key;
    }
    this.lastSeen.set(key, now);
    this.expire(now);
  }

  /** Forgets the keys idle at `now`, and the least recently seen while over the cap. */
  expire(now: number): void {
    for (const [key, at] of this.lastSeen) {
      if (now - at <= this.idleMs && this.lastSeen.size <= this.maxKeys) break;
      this.lastSeen.delete(key);
      if (key === this.newest) this.newest = undefined;
      this.forget(key);
      this.evicted++;
    }
  }
}

/** Defaults: an hour idle; a million keys (a few hundred MB with small windows: see docs/commands.md). */
export const DEFAULT_PARTITION_IDLE_MS = 3_600_000;
export const DEFAULT_MAX_PARTITIONS = 1_000_000;
