import type { SentRecord } from '../../core/records.js';

/** What a publisher tells the window about its connection. */
export interface PublisherListener {
  /** A QoS 1/2 message went on the wire (again, when resent after a reconnect). */
  transmitted(seq: number): void;
  /** Connected again: QoS 0 messages kept while the broker was away may go now. */
  connected(): void;
  /** The network connection closed: QoS 0 messages waiting for the socket will never be written. */
  closed(): void;
}

/**
 * A QoS 1/2 message whose final acknowledgement does not confirm delivery: the broker answered
 * with an MQTT 5 failure reason code, or a QoS 2 PUBCOMP came after the broker lost the session
 * that held the message (it had PUBREC'd it, then forgot it: the PUBCOMP answers a PUBREL for a
 * message it no longer has). Final, not acknowledged; `message` says which, for the events file.
 */
export class UnconfirmedError extends Error {}

/**
 * The replay loop's view of an MQTT client: MqttPublisher is the real one, tests drive the loop
 * with a fake. QoS 0: `done` once the message is written to the socket (an error: it was not).
 * QoS 1/2: `done` once acknowledged; an UnconfirmedError: final but not acknowledged; any other
 * error: the client was ended with it outstanding.
 */
export interface Publisher {
  readonly connected: boolean;
  publish(record: SentRecord, sentAt: number, done: (error?: Error) => void): void;
  /** Listens to the connection; returns a function that stops listening. */
  watch(listener: PublisherListener): () => void;
}
