import type { Pattern } from './rule-set.js';

/** One event that took part in a match: which of the rule's events it was, and when. */
export interface Occurrence<T> {
  event: number;
  at: number;
  data: T;
}

/**
 * Composite event detection for one rule, per partition key:
 * - `A then B [then C]`: in this order, all within the window of the first. A new A restarts
 *   the sequence (the latest A is used); a step seen twice keeps its first occurrence.
 * - `A and B [and C]`: every one of them, in any order, within the window; the latest of each.
 * - `A not followed by B`: A, then no B for the whole window: fires at A.at + window (see due()).
 * A completed match is consumed: its events start nothing new.
 */
export class PatternMatcher<T> {
  private readonly partials = new Map<string, Array<Occurrence<T>>>();
  private readonly latest = new Map<string, Map<number, Occurrence<T>>>();
  private readonly pending = new Map<string, Array<Occurrence<T>>>();

  constructor(
    private readonly pattern: Pattern,
    /** Bounds memory when keys (sensors) or pending absences pile up. */
    private readonly maxKeys = 10_000,
    private readonly maxPendingPerKey = 10_000,
  ) {}

  /** An arrival matching the rule's events `matched` (indexes); returns completed matches. */
  offer(key: string, matched: number[], at: number, data: T): Array<Array<Occurrence<T>>> {
    switch (this.pattern.kind) {
      case 'then':
        return this.offerSequence(key, matched, at, data);
      case 'and':
        return this.offerAll(key, matched, at, data);
      case 'absent':
        this.offerAbsence(key, matched, at, data);
        return [];
    }
  }

  /** Forgets everything of one partition key (evicted: see partitions.ts). */
  forget(key: string): void {
    this.partials.delete(key);
    this.latest.delete(key);
    this.pending.delete(key);
  }

  /** Absences whose window ended before `now`: each is a match of [A]. */
  due(now: number): Array<{ key: string; match: Array<Occurrence<T>> }> {
    const out: Array<{ key: string; match: Array<Occurrence<T>> }> = [];
    for (const [key, list] of this.pending) {
      while (list.length > 0 && list[0]!.at + this.pattern.withinMs < now) out.push({ key, match: [list.shift()!] });
      if (list.length === 0) this.pending.delete(key);
    }
    return out.sort((a, b) => a.match[0]!.at - b.match[0]!.at);
  }

  /** When the next absence will be due (epoch ms), if any is pending. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const list of this.pending.values()) {
      const first = list[0];
      if (first && (next === undefined || first.at + this.pattern.withinMs < next)) next = first.at + this.pattern.withinMs;
    }
    return next;
  }

  private offerSequence(key: string, matched: number[], at: number, data: T): Array<Array<Occurrence<T>>> {
    const steps = this.pattern.steps;
    let partial = this.partials.get(key);
    if (partial && at - partial[0]!.at > this.pattern.withinMs) {
      this.partials.delete(key);
      partial = undefined;
    }
    if (partial) {
      const k = partial.length;
      if (k < steps.length && matched.includes(steps[k]!)) {
        partial.push({ event: steps[k]!, at, data });
        if (partial.length === steps.length) {
          this.partials.delete(key);
          return [partial];
        }
        return [];
      }
    }
    if (matched.includes(steps[0]!)) {
      const start = [{ event: steps[0]!, at, data }];
      if (steps.length === 1) return [start];
      this.remember(this.partials, key, start);
    }
    return [];
  }

  private offerAll(key: string, matched: number[], at: number, data: T): Array<Array<Occurrence<T>>> {
    const steps = this.pattern.steps;
    const seen = this.latest.get(key) ?? new Map<number, Occurrence<T>>();
    for (const [event, occurrence] of seen) if (at - occurrence.at > this.pattern.withinMs) seen.delete(event);
    const candidates = steps.filter((s) => matched.includes(s));
    if (candidates.length === 0) return [];
    // One message fills one role: an unfilled one if it can, else it refreshes the first.
    const role = candidates.find((s) => !seen.has(s)) ?? candidates[0]!;
    seen.set(role, { event: role, at, data });
    if (steps.every((s) => seen.has(s))) {
      this.latest.delete(key);
      return [steps.map((s) => seen.get(s)!)];
    }
    this.remember(this.latest, key, seen);
    return [];
  }

  private offerAbsence(key: string, matched: number[], at: number, data: T): void {
    const [a, b] = this.pattern.steps as [number, number];
    // B first: when A and B are the same event (a sensor gone silent), each arrival ends the
    // previous wait and starts a new one.
    if (matched.includes(b)) this.pending.delete(key);
    if (matched.includes(a)) {
      const list = this.pending.get(key) ?? [];
      list.push({ event: a, at, data });
      if (list.length > this.maxPendingPerKey) list.shift();
      this.remember(this.pending, key, list);
    }
  }

  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.maxKeys) map.delete(map.keys().next().value!);
  }
}
