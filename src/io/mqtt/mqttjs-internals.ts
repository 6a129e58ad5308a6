import type { IClientOptions, IPublishPacket, MqttClient } from 'mqtt';

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
