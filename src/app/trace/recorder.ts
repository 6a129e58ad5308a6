import type { IPublishPacket, MqttClient, Packet } from 'mqtt';
import { arrivalVerdict, toArrivalRecord, toLineMessage, type ArrivalRules } from '../../core/trace/arrival.js';
import type { LineMessage } from '../../core/trace/line-format.js';
import type { Qos2Dedupe } from '../../core/trace/qos2-dedupe.js';
import type { StopLatch } from '../../core/trace/stop-latch.js';
import type { TraceStopReason, TraceTally } from '../../core/trace/trace-tally.js';
import type { TraceRecord } from '../../core/records.js';
import type { Clock } from '../../io/clock.js';
import { applyAckHandlerOnAnyProtocol, overrideHandleMessage, writePlainAcksCompactly, type AckHandler, type PublishHandler } from '../../io/mqtt/mqttjs-internals.js';
import { AckAfterWrite } from './ack-after-write.js';
import type { IdleTimer } from './stop-timers.js';

/** Where rows go (TraceWriter): write() hands a row over, flush() puts every row handed over in the file. */
export interface RowSink {
  write(record: TraceRecord): void;
  flush(): void;
}

export interface RecorderParts {
  clock: Clock;
  latch: StopLatch<TraceStopReason>;
  tally: TraceTally;
  dedupe: Qos2Dedupe;
  rules: ArrivalRules;
  writer?: RowSink;
  idle?: IdleTimer;
  /** Stop after this many recorded messages. */
  count?: number;
  /** See TraceOptions.onMessage: a promise holds the acknowledgement until it settles. */
  onMessage?(record: TraceRecord, message: LineMessage): void | Promise<void>;
}

/**
 * Records every message before it is acknowledged. A QoS 1 message is recorded in MQTT.js's
 * handleMessage (its PUBACK waits for the callback); a QoS 2 message in customHandleAcks, before
 * PUBREC, and a resend of it is recognised by packet id until its PUBREL (Qos2Dedupe). The row
 * is handed to the writer first, then the acknowledgement goes through AckAfterWrite, which lets
 * it out only once the row is flushed. Once stopping, nothing more is recorded or acknowledged:
 * the broker keeps those messages for the session's next connection.
 */
export class Recorder {
  /**
   * When the last PUBLISH packet was read. MQTT.js hands a QoS 0/1 packet to handleMessage in the
   * same call that announced it ('packetreceive'), so one slot is enough for them; a WeakMap entry
   * per message costs a burst ~5 % of its CPU (ephemerons make every young-generation GC dearer).
   */
  private lastPacket: object | undefined;
  private lastStamp = 0;
  /** When each QoS 2 PUBLISH was read (a QoS 2 message recorded at PUBREL keeps its arrival time). */
  private readonly stamps = new WeakMap<object, number>();
  private acks: AckAfterWrite | undefined;

  constructor(private readonly parts: RecorderParts) {}

  /** Takes over the client's message handling; call before any packet is read. */
  attach(client: MqttClient): void {
    overrideHandleMessage(client, this.handleMessage);
    applyAckHandlerOnAnyProtocol(client, this.handleAcks);
    writePlainAcksCompactly(client);
    const writer = this.parts.writer;
    if (writer) this.acks = new AckAfterWrite(() => client.stream, () => writer.flush(), (error) => this.parts.latch.fail(error));
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'publish') {
        this.lastPacket = packet;
        this.lastStamp = this.parts.clock.now();
        if (packet.qos === 2) this.stamps.set(packet, this.lastStamp);
      }
      else if (packet.cmd === 'connack') {
        // A refused CONNACK says nothing about the session (its flag is always 0): keep what we know.
        if ((packet.returnCode ?? packet.reasonCode ?? 0) !== 0) return;
        if (!packet.sessionPresent) this.parts.dedupe.forgetAll();
      }
    });
  }

  /** Rows to the file, then their held acknowledgements (stopping: the next session must not get them again). */
  flushAndRelease(): void {
    if (this.acks) this.acks.release();
    else this.parts.writer?.flush();
  }

  /** MQTT.js's handleMessage: QoS 0 and 1 at PUBLISH; QoS 2 at PUBREL. */
  readonly handleMessage: PublishHandler = (packet, done) => {
    if (packet.qos === 2 && packet.messageId !== undefined && this.parts.dedupe.complete(packet.messageId)) {
      done(); // recorded at PUBLISH: this is the PUBREL, complete the handshake
      return;
    }
    this.accept(
      packet,
      () => done(),
      () => done(packet.qos === 0 ? undefined : new Error('trace stopping: not recorded, not acknowledged')),
    );
  };

  /** MQTT.js's customHandleAcks, before PUBACK/PUBREC: records QoS 2 here (QoS 1 goes on to handleMessage). */
  readonly handleAcks: AckHandler = (_topic, _message, packet, done) => {
    const id = packet.messageId;
    if (packet.qos !== 2 || id === undefined) {
      done(null, 0);
      return;
    }
    if (this.parts.dedupe.isDuplicate(id)) {
      this.acknowledge(packet, () => done(null, 0)); // a resend of what we already recorded
      return;
    }
    this.accept(
      packet,
      () => {
        // Also for messages skipped on purpose (-T, --no-retained): PUBREL must not bring them back.
        this.parts.dedupe.remember(id);
        done(null, 0);
      },
      () => done(new Error(`trace stopping: QoS 2 message ${id} not recorded, not acknowledged (the broker will resend it)`)),
    );
  };

  /** Records one message, then acknowledges it (`ack`); once stopping, `refuse`s it instead. */
  private accept(packet: IPublishPacket, ack: () => void, refuse: () => void): void {
    const { latch, tally, clock } = this.parts;
    if (latch.stopping) {
      refuse();
      return;
    }
    this.parts.idle?.touch(); // any arrival counts as activity, recorded or filtered out
    const receivedAt = packet === this.lastPacket ? this.lastStamp : (this.stamps.get(packet) ?? clock.now());
    const verdict = arrivalVerdict(packet, this.parts.rules);
    if (verdict !== 'record') {
      if (verdict === 'excluded') tally.excluded++;
      else tally.retainedSkipped++;
      this.acknowledge(packet, ack);
      return;
    }
    const message = toLineMessage(packet, receivedAt);
    const record = toArrivalRecord(packet, message.payload, receivedAt);
    try {
      this.parts.writer?.write(record);
    } catch (error) {
      latch.fail(error);
      return;
    }
    tally.received++;
    // From here the row is ours: a resend of this QoS 2 packet id is a duplicate, even if it
    // comes before we got round to PUBREC (onMessage holding it, a reconnect in between).
    if (packet.qos === 2 && packet.messageId !== undefined) this.parts.dedupe.remember(packet.messageId);
    this.handOver(record, message, () => {
      this.acknowledge(packet, ack);
      if (tally.reached(this.parts.count)) latch.stop('count');
    });
  }

  /** onMessage (stdout), then `finish`; a promise from onMessage holds the acknowledgement until it settles. */
  private handOver(record: TraceRecord, message: LineMessage, finish: () => void): void {
    let pending: void | Promise<void>;
    try {
      pending = this.parts.onMessage?.(record, message);
    } catch (error) {
      this.parts.latch.fail(error);
      return;
    }
    if (pending && typeof pending.then === 'function') pending.then(finish, (error: unknown) => this.parts.latch.fail(error));
    else finish();
  }

  /** Lets a QoS 1/2 acknowledgement out behind the flush of the rows handed over so far. */
  private acknowledge(packet: IPublishPacket, ack: () => void): void {
    if (packet.qos > 0 && this.acks) {
      try {
        this.acks.beforeAck();
      } catch (error) {
        this.parts.latch.fail(error);
        return;
      }
    }
    ack();
  }
}
