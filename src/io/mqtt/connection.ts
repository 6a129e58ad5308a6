import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient, type IConnackPacket } from 'mqtt';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent, Qos } from '../../core/records.js';
import { redactUrl } from '../../core/mqtt/redact-url.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

/** Broker connection settings, named after mosquitto_pub/sub's flags where they fit. */
export interface ConnectionOptions {
  /** mqtt://, mqtts://, ws://, wss:// — wins over host/port. */
  url?: string;
  host?: string;
  port?: number;
  clientId?: string;
  username?: string;
  password?: string;
  keepalive?: number;
  protocolVersion?: 4 | 5;
  /** MQTT 3.1.1 clean session; with MQTT 5, clean start. */
  clean?: boolean;
  /** MQTT 5 session expiry interval in seconds. */
  sessionExpiry?: number;
  cafile?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  will?: { topic: string; payload: string; qos: Qos; retain: boolean };
  /** How long to keep trying before the first CONNACK (ms). */
  connectTimeoutMs?: number;
  /** Delay between reconnect attempts (ms). */
  reconnectPeriodMs?: number;
  /** MQTT 5 Receive Maximum we announce (how many QoS 1/2 the broker may have in flight to us). */
  receiveMaximum?: number;
}

export interface MqttConnection {
  client: MqttClient;
  /** The CONNACK of the current network connection. */
  connack: IConnackPacket;
  /** The broker's MQTT 5 Receive Maximum, when it announced one. */
  brokerReceiveMaximum?: number;
  /** Ends the connection; with force, without waiting for in-flight packets. */
  end(force?: boolean): Promise<void>;
}

export interface OpenConnectionHooks {
  /** Names the client in events files (replay, trace, process, ...). */
  source: string;
  onEvent?: (event: ConnectionEvent) => void;
  clock?: Clock;
  /**
   * Called with the client right after it is created, before any packet is read. MQTT.js hands a
   * persistent session's queued messages over as soon as the CONNACK is in, before this function
   * resolves: a recorder installs its message handling here so none is acknowledged unrecorded.
   */
  onClient?: (client: MqttClient) => void;
  /**
   * MQTT.js's own extension points, passed at construction (its public surface): a publisher's
   * `messageIdProvider` (to know which packet id carries which message), a recorder's
   * `customHandleAcks`.
   */
  clientOptions?: Pick<IClientOptions, 'messageIdProvider' | 'customHandleAcks'>;
}

export function describeBroker(options: ConnectionOptions): string {
  if (options.url) return redactUrl(options.url);
  return `mqtt://${options.host ?? 'localhost'}:${options.port ?? 1883}`;
}

const noLog = (): void => {};

function toClientOptions(options: ConnectionOptions): IClientOptions {
  const client: IClientOptions = {
    protocolVersion: options.protocolVersion ?? 4,
    keepalive: options.keepalive ?? 60,
    clean: options.clean ?? true,
    reconnectPeriod: options.reconnectPeriodMs ?? 500,
    connectTimeout: Math.min(options.connectTimeoutMs ?? 10_000, 30_000),
    // Our own code decides when to resubscribe (only when the session was lost).
    resubscribe: false,
    queueQoSZero: false,
    // Without it MQTT.js stops retrying after a refused CONNACK and hangs "reconnecting" for
    // ever; the first connection fails fast with E_AUTH anyway (openConnection ends the client).
    reconnectOnConnackError: true,
  };
  // MQTT.js logs several lines per packet through `debug`; even switched off, each call costs
  // (a tenth of a QoS 0 drain's CPU). DEBUG=mqttjs* still gets its log.
  if (!/mqttjs|\*/.test(process.env.DEBUG ?? '')) client.log = noLog;
  if (options.clientId) client.clientId = options.clientId;
  if (options.username !== undefined) client.username = options.username;
  if (options.password !== undefined) client.password = options.password;
  if (!options.url) {
    client.host = options.host ?? 'localhost';
    client.port = options.port ?? 1883;
    client.protocol = options.cafile || options.cert ? 'mqtts' : 'mqtt';
  }
  const properties: NonNullable<IClientOptions['properties']> = {};
  if (options.protocolVersion === 5) {
    if (options.sessionExpiry !== undefined) properties.sessionExpiryInterval = options.sessionExpiry;
    if (options.receiveMaximum !== undefined) properties.receiveMaximum = options.receiveMaximum;
    client.properties = properties;
  }
  try {
    if (options.cafile) client.ca = readFileSync(options.cafile);
    if (options.cert) client.cert = readFileSync(options.cert);
    if (options.key) client.key = readFileSync(options.key);
  } catch (error) {
    throw new SensortraceError(`cannot read TLS file: ${(error as Error).message}`, 'E_INPUT', undefined, { cause: error });
  }
  if (options.insecure) client.rejectUnauthorized = false;
  if (options.will) {
    client.will = { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: options.will.qos, retain: options.will.retain };
  }
  return client;
}

/** CONNACK codes that mean "these credentials/this client are not welcome" (3.1.1 and 5). */
const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87, 0x8c]);

/**
 * Connects and resolves at the first successful CONNACK. Until then MQTT.js retries on its own;
 * after connectTimeoutMs without one, the attempt fails with E_UNREACHABLE (exit 3). A refusal of
 * the credentials fails at once with E_AUTH (exit 4) instead of looping. After the first
 * connection, reconnects are automatic and reported through onEvent.
 */
export function openConnection(options: ConnectionOptions, hooks: OpenConnectionHooks): Promise<MqttConnection> {
  const clock = hooks.clock ?? systemClock;
  const emit = (event: ConnectionEvent['event'], extra: Partial<ConnectionEvent> = {}): void =>
    hooks.onEvent?.({ at: clock.now(), source: hooks.source, event, ...extra });
  const broker = describeBroker(options);
  const clientOptions = { ...toClientOptions(options), ...hooks.clientOptions };
  const client = options.url ? mqtt.connect(options.url, clientOptions) : mqtt.connect(clientOptions);
  hooks.onClient?.(client);

  let connected = false;
  let everConnected = false;
  const connection: MqttConnection = {
    client,
    connack: undefined as unknown as IConnackPacket,
    end: (force = false) =>
      new Promise<void>((resolve) => {
        client.end(force, {}, () => resolve());
      }),
  };

  // Nagle's algorithm batches small paced publishes into bursts; turn it off on every socket.
  client.on('packetsend', (packet) => {
    if (packet.cmd === 'connect') {
      const stream = client.stream as unknown as { setNoDelay?: (on: boolean) => void };
      stream.setNoDelay?.(true);
    }
  });
  // MQTT.js emits 'connect' only after it has resent its store; the CONNACK itself is the moment
  // the broker is back, so stamp events here.
  client.on('packetreceive', (packet) => {
    if (packet.cmd !== 'connack') return;
    const connack = packet as IConnackPacket;
    const code = (options.protocolVersion === 5 ? connack.reasonCode : connack.returnCode) ?? 0;
    if (code !== 0) return;
    connection.connack = connack;
    const receiveMaximum = connack.properties?.receiveMaximum;
    if (receiveMaximum !== undefined) connection.brokerReceiveMaximum = receiveMaximum;
    connected = true;
    emit('connect', { sessionPresent: connack.sessionPresent });
    if (everConnected && !connack.sessionPresent && options.clean === false) {
      emit('session_lost', { detail: 'broker had no session on reconnect: messages queued for us may be gone' });
    }
    everConnected = true;
  });
  client.on('offline', () => {
    if (connected) emit('offline');
    connected = false;
  });
  client.on('reconnect', () => {
    if (everConnected) emit('reconnect');
  });

  return new Promise<MqttConnection>((resolve, reject) => {
    const deadline = setTimeout(() => {
      fail(new SensortraceError(`broker unreachable: no connection to ${broker} within ${(options.connectTimeoutMs ?? 10_000) / 1000} s`, 'E_UNREACHABLE'));
    }, options.connectTimeoutMs ?? 10_000);
    let lastError: Error | undefined;
    const fail = (error: SensortraceError): void => {
      clearTimeout(deadline);
      client.removeListener('error', onError);
      client.end(true);
      if (lastError && error.code === 'E_UNREACHABLE') error.message += ` (${lastError.message})`;
      reject(error);
    };
    const onError = (error: Error & { code?: number | string }): void => {
      lastError = error;
      if (typeof error.code === 'number' && AUTH_REFUSALS.has(error.code)) {
        fail(new SensortraceError(`broker ${broker} refused the connection: ${error.message}`, 'E_AUTH', undefined, { cause: error }));
      } else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        fail(new SensortraceError(`broker unreachable: cannot resolve ${broker}`, 'E_UNREACHABLE', undefined, { cause: error }));
      } else if (typeof error.code === 'string' && /^(ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(error.code)) {
        fail(new SensortraceError(`TLS handshake with ${broker} failed: ${error.message}`, 'E_UNREACHABLE', undefined, { cause: error }));
      }
    };
    client.on('error', onError);
    client.once('connect', () => {
      clearTimeout(deadline);
      client.removeListener('error', onError);
      // After the first connection, errors are reported as events, never thrown. A broker that
      // comes back refusing us answers every retry the same way: one event per kind of error
      // until the next successful CONNACK, not two lines a second in the events file.
      let lastDetail: string | undefined;
      client.on('packetreceive', (packet) => {
        if (packet.cmd === 'connack' && connected) lastDetail = undefined;
      });
      client.on('error', (error: Error & { code?: number | string }) => {
        const refused = typeof error.code === 'number' && AUTH_REFUSALS.has(error.code);
        const detail = refused ? `broker refused the reconnection (${error.message}); still retrying` : error.message;
        if (detail === lastDetail) return;
        lastDetail = detail;
        emit('error', { detail });
      });
      resolve(connection);
    });
  });
}
