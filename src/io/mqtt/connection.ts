import mqtt, { type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import { systemClock, type Clock } from '../clock.js';
import { describeBroker, toClientOptions, type ConnectionOptions } from './client-options.js';
import { fatalConnectError, unreachableError } from './connect-errors.js';
import { reportErrorsOncePerKind, reportLinkEvents, type EmitEvent, type LinkState } from './connection-events.js';

export { describeBroker, type ConnectionOptions } from './client-options.js';

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
  /**
   * Aborted before the first CONNACK: the attempt ends at once (client ended, deadline cleared,
   * the promise rejects), so an aborted caller leaves no timer behind.
   */
  signal?: AbortSignal;
}

/**
 * Connects and resolves at the first successful CONNACK. Until then MQTT.js retries on its own;
 * after connectTimeoutMs without one, the attempt fails with E_UNREACHABLE (exit 3). A refusal of
 * the credentials fails at once with E_AUTH (exit 4) instead of looping. After the first
 * connection, reconnects are automatic and reported through onEvent.
 */
export function openConnection(options: ConnectionOptions, hooks: OpenConnectionHooks): Promise<MqttConnection> {
  const clock = hooks.clock ?? systemClock;
  const emit: EmitEvent = (event, extra = {}) => hooks.onEvent?.({ at: clock.now(), source: hooks.source, event, ...extra });
  const clientOptions = { ...toClientOptions(options), ...hooks.clientOptions };
  const client = options.url ? mqtt.connect(options.url, clientOptions) : mqtt.connect(clientOptions);
  hooks.onClient?.(client);
  const connection: MqttConnection = {
    client,
    connack: undefined as unknown as IConnackPacket,
    end: (force = false) =>
      new Promise<void>((resolve) => {
        client.end(force, {}, () => resolve());
      }),
  };
  const link = reportLinkEvents(client, options, emit, (connack) => {
    connection.connack = connack;
    const receiveMaximum = connack.properties?.receiveMaximum;
    if (receiveMaximum !== undefined) connection.brokerReceiveMaximum = receiveMaximum;
  });
  return firstConnack(connection, options, link, emit, hooks.signal);
}

/**
 * Resolves at the first 'connect'; rejects (and ends the client) at a fatal error or at the
 * deadline. The deadline is a real-time network timeout, not on the injected clock: a test
 * that drives a replay's clock must not time its broker connection out.
 */
function firstConnack(connection: MqttConnection, options: ConnectionOptions, link: LinkState, emit: EmitEvent, signal: AbortSignal | undefined): Promise<MqttConnection> {
  const { client } = connection;
  const broker = describeBroker(options);
  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise<MqttConnection>((resolve, reject) => {
    let lastError: Error | undefined;
    const deadline = setTimeout(() => fail(unreachableError(broker, timeoutMs)), timeoutMs);
    const onAbort = (): void => fail(new SensortraceError(`connection to ${broker} aborted`, 'E_UNREACHABLE'));
    const fail = (error: SensortraceError): void => {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('error', onError);
      client.end(true);
      if (lastError && error.code === 'E_UNREACHABLE') error.message += ` (${lastError.message})`;
      reject(error);
    };
    const onError = (error: Error & { code?: number | string }): void => {
      lastError = error;
      const fatal = fatalConnectError(error, broker);
      if (fatal) fail(fatal);
    };
    client.on('error', onError);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    client.once('connect', () => {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      client.removeListener('error', onError);
      reportErrorsOncePerKind(client, link, emit);
      resolve(connection);
    });
  });
}
