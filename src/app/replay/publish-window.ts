import type { Qos, SentRecord } from '../../core/records.js';
import type { Clock } from '../../io/clock.js';
import { UnconfirmedError, type Publisher } from './publisher.js';

export interface PublishWindowOptions {
  qos: Qos;
  /** Most messages not yet final (unacknowledged QoS 1/2, unwritten QoS 0). */
  maxInflight: number;
  /** Keep QoS 0 messages while the broker is away and send them on reconnect (else drop them). */
  queueQos0: boolean;
  clock: Clock;
  /**
   * Called before QoS 1/2 messages are handed to the publisher, with the highest seq of the run of
   * messages about to go (the QoS 2 hand-over mark); false: they must not go (the log failed).
   */
  beforeHandOver?: (seq: number) => boolean;
  /** A message is final: on the wire (QoS 0), acknowledged (QoS 1/2), unconfirmed or dropped. */
  onFinal: (record: SentRecord) => void;
  /** Its final acknowledgement does not confirm delivery (UnconfirmedError): final, not acknowledged. */
  onUnconfirmed?: (record: SentRecord, why: string) => void;
}

/**
 * The window when neither --max-inflight nor the broker (MQTT 5 Receive Maximum) says: 20 at QoS 2
 * and QoS 0, 100 at QoS 1.
 * - QoS 2: Mosquitto 2.0 counts a client's unreleased incoming QoS 2 messages against its
 *   `max_inflight_messages` (20 by default) and, under MQTT 3.1.1, closes the connection of a
 *   client that sends one more; the resends after the reconnect close it again.
 * - QoS 1: a broker acknowledges and forwards a QoS 1 PUBLISH at once and keeps nothing for the
 *   publisher, so no broker limit applies; a window of 100 measured 1.48 s vs 1.82 s CPU and 29,862
 *   vs 22,759 msg/s end to end for 60k rows (docs/performance.md). After a SIGKILL, `--resume` may
 *   deliver up to this many twice (QoS 1 allows duplicates).
 */
export function defaultMaxInflight(qos: Qos): number {
  return qos === 1 ? 100 : 20;
}

/**
 * The messages handed over and not yet final, and the counts the summary reports. The loop
 * waits while the window is full; each final message makes room.
 *
 * QoS 0: a publish that met a full socket waits in MQTT.js for 'drain'; if the connection drops
 * first, that callback never comes, and the stranded messages would hold the window shut for
 * good. On close they count as dropped (what left is unknowable).
 */
export class PublishWindow {
  sent = 0;
  published = 0;
  acknowledged = 0;
  dropped = 0;
  /** QoS 1/2 messages whose final acknowledgement did not confirm delivery (UnconfirmedError). */
  unconfirmed = 0;
  private readonly pending = new Map<number, SentRecord>();
  private readonly qos0InClient = new Set<SentRecord>();
  private readonly qos0Queue: SentRecord[] = [];
  /** With beforeHandOver: the messages published in this synchronous run, handed over together. */
  private handOverRun: Array<{ record: SentRecord; sentAt: number }> = [];
  private readonly unwatch: () => void;

  constructor(
    private readonly publisher: Publisher,
    private readonly options: PublishWindowOptions,
  ) {
    this.unwatch = publisher.watch({
      transmitted: (seq) => this.transmitted(seq),
      connected: () => this.sendQueuedQos0(),
      closed: () => this.dropStrandedQos0(),
    });
  }

  get full(): boolean {
    return this.pending.size >= this.options.maxInflight;
  }

  /** Messages handed over and not yet final. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Handed over but neither published, unconfirmed nor dropped (still in the client's hands or our queue). */
  get queued(): number {
    return this.sent - this.published - this.dropped - this.unconfirmed;
  }

  get maxInflight(): number {
    return this.options.maxInflight;
  }

  publish(record: SentRecord, sentAt: number): void {
    this.sent++;
    this.pending.set(record.seq, record);
    if (record.qos === 0) this.publishQos0(record, sentAt);
    else this.publishAcknowledged(record, sentAt);
  }

  /** What is not final yet, for the log's last rows. */
  outstanding(): SentRecord[] {
    return [...this.pending.values()];
  }

  /** Stops following the connection (before the client is ended). */
  detach(): void {
    this.unwatch();
  }

  private publishQos0(record: SentRecord, sentAt: number): void {
    if (this.publisher.connected) this.sendQos0(record, sentAt);
    else if (this.options.queueQos0) this.qos0Queue.push(record);
    else {
      this.dropped++;
      this.finalize(record);
    }
  }

  /**
   * With beforeHandOver (QoS 2 with a sent log), the messages published in one synchronous run of
   * the pacing loop are handed over together once it yields (a microtask): one log flush and one
   * mark write for the run instead of one each per message. The mark still names every seq before
   * that seq reaches the client, and the log is flushed before the mark moves, so the resume
   * invariant — a seq that may have left is ≤ the mark, everything ≤ the last logged row is in
   * the log — holds as before. (Acknowledgements cannot arrive inside a synchronous run, so the
   * per-message flushes inside it never wrote anything but the first.)
   */
  private publishAcknowledged(record: SentRecord, sentAt: number): void {
    if (!this.options.beforeHandOver) return this.handOver(record, sentAt);
    if (this.handOverRun.length === 0) queueMicrotask(() => this.handOverHeld());
    this.handOverRun.push({ record, sentAt });
  }

  private handOverHeld(): void {
    const run = this.handOverRun;
    this.handOverRun = [];
    let highest = 0;
    for (const { record } of run) highest = Math.max(highest, record.seq);
    // A log that cannot be written stops the replay (ReplayLog's failure): these stay outstanding.
    if (!this.options.beforeHandOver!(highest)) return;
    for (const { record, sentAt } of run) this.handOver(record, sentAt);
  }

  private handOver(record: SentRecord, sentAt: number): void {
    this.publisher.publish(record, sentAt, (error) => {
      if (!this.pending.has(record.seq)) return;
      if (error instanceof UnconfirmedError) return this.leaveUnconfirmed(record, error.message);
      // Any other error means the client was ended with the message outstanding: it stays queued.
      if (error) return;
      record.ackedAt = this.options.clock.now();
      record.publishedAt ??= record.ackedAt;
      this.acknowledged++;
      this.published++;
      this.finalize(record);
    });
  }

  /** MQTT.js is done with the message (never resent): final, published_at kept, acked_at empty. */
  private leaveUnconfirmed(record: SentRecord, why: string): void {
    this.unconfirmed++;
    this.options.onUnconfirmed?.(record, why);
    this.finalize(record);
  }

  private sendQos0(record: SentRecord, sentAt: number): void {
    this.qos0InClient.add(record);
    this.publisher.publish(record, sentAt, (error) => {
      if (!this.qos0InClient.delete(record)) return;
      if (error) this.dropped++;
      else {
        record.publishedAt = this.options.clock.now();
        this.published++;
      }
      this.finalize(record);
    });
  }

  /** A resend after a reconnect moves published_at to the transmission that got acknowledged. */
  private transmitted(seq: number): void {
    const record = this.pending.get(seq);
    if (record) record.publishedAt = this.options.clock.now();
  }

  private sendQueuedQos0(): void {
    while (this.qos0Queue.length > 0 && this.publisher.connected) this.sendQos0(this.qos0Queue.shift()!, this.options.clock.now());
  }

  private dropStrandedQos0(): void {
    for (const record of this.qos0InClient) {
      this.dropped++;
      this.finalize(record);
    }
    this.qos0InClient.clear();
  }

  private finalize(record: SentRecord): void {
    this.pending.delete(record.seq);
    this.options.onFinal(record);
  }
}
