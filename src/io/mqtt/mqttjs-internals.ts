import type { IClientOptions, IPublishPacket, MqttClient, Packet } from 'mqtt';

/**
 * The one place where sensortrace relies on MQTT.js beyond its construction options. A recorder
 * must hold a message's acknowledgement until the message is recorded; MQTT.js (pinned ~5.16.0)
 * offers two hooks for that, and test/io/mqtt/mqttjs-internals.test.ts checks both still behave
 * as relied upon here, so an MQTT.js upgrade that changes them fails there, loudly.
 *
 * Everything else the tracer touches is public: the `customHandleAcks` option, `client.stream`
 * (its socket; cork/uncork are Node's stream API) and the `packetreceive`/`connect` events.
 */

/** MQTT.js's `handleMessage(packet, callback)`: the callback lets the PUBACK (QoS 1) / PUBCOMP (QoS 2) out. */
export type PublishHandler = (packet: IPublishPacket, done: (error?: Error) => void) => void;

/** MQTT.js's `customHandleAcks(topic, message, packet, done)`: done(null, 0) lets the PUBACK/PUBREC out, done(error) sends none. */
export type AckHandler = (topic: string, message: Buffer, packet: IPublishPacket, done: (error: Error | null, reasonCode?: number) => void) => void;

/** The construction option (MQTT.js types its callback's error as never null, though null is what accepts). */
export function ackHandlerOption(handler: AckHandler): Pick<IClientOptions, 'customHandleAcks'> {
  return { customHandleAcks: handler as NonNullable<IClientOptions['customHandleAcks']> };
}

/**
 * Installs the handler MQTT.js calls for every QoS 0/1 PUBLISH and for a QoS 2 message at PUBREL.
 * MQTT.js's README documents handleMessage as overridable ("Override at will, but always call
 * callback") and sends the PUBACK only once the callback is called.
 */
export function overrideHandleMessage(client: MqttClient, handler: PublishHandler): void {
  client.handleMessage = handler;
}

/**
 * Makes `customHandleAcks` apply whatever the protocol version. It is passed at construction
 * (openConnection's clientOptions), which is all MQTT 5 needs; but MQTT.js documents it as an
 * MQTT 5 feature and its constructor swaps it for an always-accept default under MQTT 3.1.1,
 * where the tracer needs it just as much: it is the only hook that runs before PUBREC, i.e.
 * where a QoS 2 message must be recorded (and a resend recognised). MQTT.js reads
 * `client.options.customHandleAcks` afresh for each QoS 1/2 PUBLISH (handlers/publish.js), so
 * putting it back there after construction gives 3.1.1 the same behaviour as 5.
 */
export function applyAckHandlerOnAnyProtocol(client: MqttClient, handler: AckHandler): void {
  const option = ackHandlerOption(handler).customHandleAcks;
  if (client.options.customHandleAcks !== option) client.options.customHandleAcks = option;
}

/** The part of MQTT.js's client that its private `_writePacket(packet, callback)` (client.js) uses. */
interface PacketWriting {
  _writePacket(packet: Packet, callback?: () => void): void;
  stream: NodeJS.WritableStream;
  emit(event: 'packetsend', packet: Packet): boolean;
}

/** First byte of the plain acknowledgements written compactly: PUBACK, PUBREC, PUBCOMP. */
const COMPACT_ACKS: Readonly<Record<string, number>> = { puback: 0x40, pubrec: 0x50, pubcomp: 0x70 };

/**
 * Writes each plain PUBACK/PUBREC/PUBCOMP (reason 0, no properties) as one 4-byte chunk. mqtt-packet
 * writes one as three chunks behind a cork it lifts on the next tick: four stream calls and a
 * tick an acknowledgement, ~1 µs of a recorder's ~13 µs a message (measured on this machine);
 * a QoS 2 message costs two (PUBREC, then PUBCOMP at PUBREL).
 * The bytes are the ones mqtt-packet writes under 3.1.1, and a valid MQTT 5 PUBACK/PUBREC/PUBCOMP (the
 * reason code may be left out when it is 0 and there are no properties). Everything else, and
 * the 'packetsend' event and callback semantics, stay MQTT.js's own (private `_writePacket`,
 * checked in test/io/mqtt/mqttjs-internals.test.ts).
 */
export function writePlainAcksCompactly(client: MqttClient): void {
  const writing = client as unknown as PacketWriting;
  const original = writing._writePacket;
  writing._writePacket = function (this: PacketWriting, packet: Packet, callback?: () => void): void {
    const type = COMPACT_ACKS[packet.cmd] ?? 0;
    const id = (packet as { messageId?: number }).messageId;
    const plain = type !== 0 && id !== undefined && !(packet as { reasonCode?: number }).reasonCode && !(packet as { properties?: object }).properties;
    if (!plain) {
      original.call(this, packet, callback);
      return;
    }
    this.emit('packetsend', packet);
    const frame = Buffer.allocUnsafe(4);
    frame[0] = type;
    frame[1] = 2;
    frame.writeUInt16BE(id, 2);
    if (!this.stream.write(frame) && callback) this.stream.once('drain', callback);
    else callback?.();
  };
}
