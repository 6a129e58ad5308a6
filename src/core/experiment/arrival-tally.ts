/**
 * What the run's tracer received, counted so the drain can tell when everything sent has
 * arrived: duplicates (QoS 1 redeliveries after a restart) must not end the drain early, so
 * messages carrying a seq count once each; messages without one can only be counted as they come.
 */
export class ArrivalTally {
  /** Every arrival, duplicates included (what the progress line shows). */
  received = 0;
  /** When the last message arrived (0: none yet). */
  lastAt = 0;
  private readonly seqs = new Set<number>();
  private anonymous = 0;

  note(seq: number | undefined, at: number): void {
    this.received++;
    if (seq !== undefined) this.seqs.add(seq);
    else this.anonymous++;
    this.lastAt = at;
  }

  /** Distinct messages received: each seq once, plus every message without a seq. */
  get distinct(): number {
    return this.seqs.size + this.anonymous;
  }
}
