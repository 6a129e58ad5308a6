import type { IClientPublishOptions, MqttClient, Packet } from 'mqtt';
import { userPropertiesFor } from '../../core/mqtt/payload.js';
import type { SentRecord } from '../../core/records.js';
import type { Publisher, PublisherListener } from './publisher.js';
import type { SeqMessageIds } from './message-ids.js';
import { refusalCode } from './publish-window.js';

/**
 * The Publisher over an MQTT.js client, through its public surface only: the packet ids come
 * from our own `messageIdProvider` (pass `ids` as that client option), transmissions from the
 * 'packetsend' event, the connection from 'connect'/'close'.
 */
export class MqttPublisher implements Publisher {
  constructor(
    private readonly client: MqttClient,
    private readonly ids: SeqMessageIds,
    private readonly settings: { retain: boolean; v5: boolean },
  ) {}

  get connected(): boolean {
    return this.client.connected;
  }

  publish(record: SentRecord, sentAt: number, done: (error?: Error) => void): void {
    if (record.qos === 0) {
      this.client.publish(record.topic, record.payload, this.options(record, sentAt), (error) => done(error));
      return;
    }
    this.ids.expect(record.seq);
    this.client.publish(record.topic, record.payload, this.options(record, sentAt), (error) => {
      // Acknowledged, or refused with a reason code (MQTT.js has dropped it): the id is free.
      if (!error || refusalCode(error) !== undefined) this.ids.release(record.seq);
      done(error);
    });
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
