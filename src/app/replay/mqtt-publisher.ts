import type { IClientPublishOptions, MqttClient, Packet } from 'mqtt';
import { userPropertiesFor } from '../../core/mqtt/payload.js';
import type { SentRecord } from '../../core/records.js';
import type { Publisher, PublisherListener } from './publisher.js';
import type { SeqMessageIds } from './message-ids.js';
import { UnconfirmedError } from './publisher.js';
import { Qos0Frames } from '../../io/mqtt/qos0-frames.js';

/** MQTT.js fails a publish with the ack's reason code in `code` (MQTT 5 PUBACK/PUBREC/PUBCOMP ≥ 0x80). */
function reasonCodeOf(error: Error & { code?: unknown }): number | undefined {
  return typeof error.code === 'number' && error.code >= 0x80 ? error.code : undefined;
}

/**
 * The Publisher over an MQTT.js client, through its public surface only: the packet ids come
 * from our own `messageIdProvider` (pass `ids` as that client option), transmissions from the
 * 'packetsend' event, the connection from 'connect'/'close', PUBREC and CONNACK from 'packetreceive'
 * (emitted before MQTT.js acts on the packet).
 *
 * A QoS 2 message PUBREC'd before a reconnect that finds no session (a clean session, or a broker
 * that lost its state) is in doubt: the broker may have forgotten it, and answers the PUBREL
 * MQTT.js resends with a PUBCOMP all the same (Mosquitto does, under 3.1.1 and 5). Its PUBCOMP
 * then confirms nothing: it ends as an UnconfirmedError, never as acknowledged.
 */
export class MqttPublisher implements Publisher {
  /** QoS 2 seqs PUBREC'd, PUBCOMP not yet in. */
  private readonly released = new Set<number>();
  /** Of those, the ones a session-less reconnect put in doubt. */
  private readonly inDoubt = new Set<number>();
  /** MQTT 3.1.1 QoS 0: frames built here, a burst per socket write (MQTT 5 carries per-message properties: MQTT.js). */
  private readonly qos0Frames: Qos0Frames | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly ids: SeqMessageIds,
    /** mqttjsFrames: every publish through MQTT.js, whose packet events someone watches (an experiment). */
    private readonly settings: { retain: boolean; v5: boolean; mqttjsFrames?: boolean },
  ) {
    client.on('packetreceive', (packet) => this.received(packet));
    if (!settings.v5 && !settings.mqttjsFrames) this.qos0Frames = new Qos0Frames(client);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  publish(record: SentRecord, sentAt: number, done: (error?: Error) => void): void {
    if (record.qos === 0) {
      if (this.qos0Frames && !this.client.disconnecting) return this.qos0Frames.publish(record.topic, record.payload, this.settings.retain, done);
      this.client.publish(record.topic, record.payload, this.options(record, sentAt), (error) => done(error));
      return;
    }
    this.ids.expect(record.seq);
    this.client.publish(record.topic, record.payload, this.options(record, sentAt), (error) => {
      const code = error ? reasonCodeOf(error) : undefined;
      // Acknowledged, or refused with a reason code (MQTT.js has dropped it): the id is free.
      if (!error || code !== undefined) this.ids.release(record.seq);
      this.released.delete(record.seq);
      const doubted = this.inDoubt.delete(record.seq);
      if (error && code !== undefined) done(new UnconfirmedError(`the broker answered with reason code 0x${code.toString(16)} (${error.message})`));
      else if (!error && doubted) done(new UnconfirmedError("PUBREC'd, then the broker had no session on reconnect: the PUBCOMP that followed does not prove delivery"));
      else done(error ?? undefined);
    });
  }

  private received(packet: Packet): void {
    if (packet.cmd === 'pubrec' && packet.messageId !== undefined && !((packet.reasonCode ?? 0) >= 0x80)) {
      const seq = this.ids.seqOf(packet.messageId);
      if (seq !== undefined) this.released.add(seq);
    } else if (packet.cmd === 'connack' && ((this.settings.v5 ? packet.reasonCode : packet.returnCode) ?? 0) === 0) {
      // Nothing is PUBREC'd before the first CONNACK: any CONNACK that finds it so is a reconnect.
      if (!packet.sessionPresent) for (const seq of this.released) this.inDoubt.add(seq);
    }
  }

  watch(listener: PublisherListener): () => void {
    const onPacketSend = (packet: Packet): void => {
      if (packet.cmd !== 'publish' || !packet.qos || packet.messageId === undefined) return;
      const seq = this.ids.seqOf(packet.messageId);
      if (seq !== undefined) listener.transmitted(seq);
    };
    const onConnect = (): void => listener.connected();
    const onClose = (): void => listener.closed();
    this.client.on('packetsend', onPacketSend);
    this.client.on('connect', onConnect);
    this.client.on('close', onClose);
    return () => {
      this.client.removeListener('packetsend', onPacketSend);
      this.client.removeListener('connect', onConnect);
      this.client.removeListener('close', onClose);
    };
  }

  private options(record: SentRecord, sentAt: number): IClientPublishOptions {
    const opts: IClientPublishOptions = { qos: record.qos, retain: this.settings.retain };
    if (this.settings.v5) opts.properties = { userProperties: userPropertiesFor({ seq: record.seq, sensor: record.sensor, time: record.profileTime, value: record.value }, sentAt) };
    return opts;
  }
}
