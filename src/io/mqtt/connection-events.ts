import type { IConnackPacket, MqttClient } from 'mqtt';
import type { ConnectionEvent } from '../../core/records.js';
import type { ConnectionOptions } from './client-options.js';
import { AUTH_REFUSALS } from './connect-errors.js';

/** Reports one connection event of the given kind (openConnection stamps it with the clock). */
export type EmitEvent = (event: ConnectionEvent['event'], extra?: Partial<ConnectionEvent>) => void;

/** What the events below know of the link: connected now, and ever (before: the first CONNACK). */
export interface LinkState {
  connected: boolean;
  everConnected: boolean;
}

/**
 * Turns MQTT.js's life cycle into connection events: `connect` stamped at the CONNACK (MQTT.js
 * emits 'connect' only after it has resent its store; the CONNACK is the moment the broker is
 * back), `session_lost` when a persistent session did not survive, `offline` and `reconnect`.
 * Also turns Nagle's algorithm off on every socket: it batches small paced publishes into bursts.
 */
export function reportLinkEvents(client: MqttClient, options: ConnectionOptions, emit: EmitEvent, onConnack: (connack: IConnackPacket) => void): LinkState {
  const link: LinkState = { connected: false, everConnected: false };
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') {
      const stream = client.stream as unknown as { setNoDelay?: (on: boolean) => void };
      stream.setNoDelay?.(true);
    }
  });
  client.on('packetreceive', (packet) => {
    if (packet.cmd !== 'connack') return;
    const connack = packet as IConnackPacket;
    const code = (options.protocolVersion === 5 ? connack.reasonCode : connack.returnCode) ?? 0;
    if (code !== 0) return;
    onConnack(connack);
    link.connected = true;
    emit('connect', { sessionPresent: connack.sessionPresent });
    if (link.everConnected && !connack.sessionPresent && options.clean === false) {
      emit('session_lost', { detail: 'broker had no session on reconnect: messages queued for us may be gone' });
    }
    link.everConnected = true;
  });
  client.on('offline', () => {
    if (link.connected) emit('offline');
    link.connected = false;
  });
  client.on('reconnect', () => {
    if (link.everConnected) emit('reconnect');
  });
  return link;
}

/**
 * After the first connection, errors are reported as events, never thrown. A broker that comes
 * back refusing us answers every retry the same way: one event per kind of error until the next
 * successful CONNACK, not two lines a second in the events file.
 */
export function reportErrorsOncePerKind(client: MqttClient, link: LinkState, emit: EmitEvent): void {
  let lastDetail: string | undefined;
  client.on('packetreceive', (packet) => {
    if (packet.cmd === 'connack' && link.connected) lastDetail = undefined;
  });
  client.on('error', (error: Error & { code?: number | string }) => {
    const refused = typeof error.code === 'number' && AUTH_REFUSALS.has(error.code);
    const detail = refused ? `broker refused the reconnection (${error.message}); still retrying` : error.message;
    if (detail === lastDetail) return;
    lastDetail = detail;
    emit('error', { detail });
  });
}
