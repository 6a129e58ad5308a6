import type { SentRecord } from '../../../src/core/records.js';
import type { Clock } from '../../../src/io/clock.js';
import type { Publisher, PublisherListener } from '../../../src/app/replay/publisher.js';

export interface FakeSend {
  record: SentRecord;
  sentAt: number;
  /** Clock time when publish() was called. */
  at: number;
  done: (error?: Error) => void;
}

/**
 * A Publisher without a network: QoS 0 is written at once while connected (unless `stallQos0`),
 * QoS 1/2 wait for ack(). The test drops and restores the connection.
 */
export class FakePublisher implements Publisher {
  connected = true;
  /** QoS 0 publishes stay unwritten (a full socket) until written() or a drop. */
  stallQos0 = false;
  readonly sends: FakeSend[] = [];
  private listener: PublisherListener | undefined;

  constructor(private readonly clock: Clock) {}

  publish(record: SentRecord, sentAt: number, done: (error?: Error) => void): void {
    const send = { record, sentAt, at: this.clock.now(), done };
    this.sends.push(send);
    if (record.qos > 0 && this.connected) this.listener?.transmitted(record.seq);
    if (record.qos === 0 && !this.stallQos0) queueMicrotask(() => done());
  }

  watch(listener: PublisherListener): () => void {
    this.listener = listener;
    return () => {
      this.listener = undefined;
    };
  }

  /** Acknowledges the QoS 1/2 message with this seq. */
  ack(seq: number): void {
    const send = this.sends.find((s) => s.record.seq === seq);
    if (!send) throw new Error(`seq ${seq} was never published`);
    send.done();
  }

  /** The connection drops (its close event). */
  drop(): void {
    this.connected = false;
    this.listener?.closed();
  }

  /** Back: QoS 1/2 in flight are transmitted again, then the connect event. */
  reconnect(inFlight: number[] = []): void {
    this.connected = true;
    for (const seq of inFlight) this.listener?.transmitted(seq);
    this.listener?.connected();
  }

  /** Seqs published so far, in order. */
  get seqs(): number[] {
    return this.sends.map((s) => s.record.seq);
  }
}
