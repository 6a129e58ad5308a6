import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { SensortraceError } from '../../core/errors.js';
import type { Qos } from '../../core/records.js';
import { checkBrokerUrl } from '../../core/mqtt/broker-url.js';
import { redactUrl } from '../../core/mqtt/redact-url.js';

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
  /** After the first connection, stop with E_UNREACHABLE once the broker has been away this long (ms); default: keep trying. */
  giveUpAfterMs?: number;
  /** Delay between reconnect attempts (ms). */
  reconnectPeriodMs?: number;
  /** MQTT 5 Receive Maximum we announce (how many QoS 1/2 the broker may have in flight to us). */
  receiveMaximum?: number;
}

export function describeBroker(options: ConnectionOptions): string {
  if (options.url) return redactUrl(options.url);
  return `mqtt://${options.host ?? 'localhost'}:${options.port ?? 1883}`;
}

const noLog = (): void => {};

/** MQTT.js's options for our settings: reconnects by MQTT.js, resubscribes and QoS 0 queueing by us. */
export function toClientOptions(options: ConnectionOptions): IClientOptions {
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
  // A malformed URL would be read by MQTT.js as localhost:1883, or warned about with its password.
  if (options.url) checkBrokerUrl(options.url);
  else {
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
