/**
 * Where a QoS 2 duplicate is recognised: by packet id, between PUBLISH and PUBREL.
 *
 * The tracer records a QoS 2 message at PUBLISH, before its PUBREC, so that whatever the broker
 * considers delivered is in the trace. If our PUBREC is lost (a connection drop, a broker
 * restart), the broker sends the same PUBLISH again with the same packet id: that is the message
 * already recorded, not a new one. The id stays known until the PUBREL that ends the handshake,
 * or until the broker says it has forgotten the session (and with it our packet ids).
 */
export class Qos2Dedupe {
  private readonly recorded = new Set<number>();
  private drainedWaiters: Array<() => void> = [];

  /** A PUBLISH with this packet id: is it one we already recorded (a resend)? */
  isDuplicate(packetId: number): boolean {
    return this.recorded.has(packetId);
  }

  /**
   * The message with this packet id is ours from now on (recorded, or skipped on purpose): a
   * resend before its PUBREL is a duplicate.
   */
  remember(packetId: number): void {
    this.recorded.add(packetId);
  }

  /**
   * A PUBREL for this packet id: true when it completes a message recorded at PUBLISH (nothing
   * more to record); false when we never saw its PUBLISH (record it now).
   */
  complete(packetId: number): boolean {
    if (!this.recorded.delete(packetId)) return false;
    if (this.recorded.size === 0) this.wakeDrained();
    return true;
  }

  /** The broker kept no session: it forgot our packet ids, a reused id is a new message. */
  forgetAll(): void {
    this.recorded.clear();
    this.wakeDrained();
  }

  /** Messages recorded at PUBLISH whose PUBREL has not come yet. */
  get pending(): number {
    return this.recorded.size;
  }

  /** Resolves once no recorded message waits for its PUBREL (at once when none does). */
  whenDrained(): Promise<void> {
    if (this.recorded.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  private wakeDrained(): void {
    const waiters = this.drainedWaiters;
    this.drainedWaiters = [];
    for (const wake of waiters) wake();
  }
}
