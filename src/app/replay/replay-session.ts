import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions, MqttConnection, OpenConnectionHooks } from '../../io/mqtt/connection.js';
import { GiveUpWatch } from '../../io/mqtt/give-up.js';
import { discardSession, persistentSession, sessionIdentity, type SessionIdentity } from '../../io/mqtt/session.js';
import { connectUnlessAborted } from './connect.js';
import type { ReplayOptions } from './replay-types.js';

/**
 * How replay talks to the broker. At QoS 1/2 a persistent session (unless `connection.clean`):
 * the broker keeps a QoS 2 message it has PUBREC'd across a restart or a cut, so the PUBREL
 * MQTT.js resends on reconnect releases it. With a clean session the broker forgets it, answers
 * the PUBREL with PUBCOMP all the same (MQTT 3.1.1), and the message is counted acknowledged
 * although no subscriber ever gets it.
 */
export interface ReplaySession {
  persistent: boolean;
  identity: SessionIdentity | undefined;
  options: ConnectionOptions;
}

export function replaySession(options: Pick<ReplayOptions, 'qos' | 'connection' | 'log'>): ReplaySession {
  const persistent = options.qos > 0 && options.connection.clean !== true;
  if (!persistent) return { persistent, identity: undefined, options: options.connection };
  const identity = sessionIdentity('replay', options.connection.clientId, options.log);
  return { persistent, identity, options: persistentSession(options.connection, identity.clientId) };
}

/**
 * Connects (unless aborted first). A persistent session starts fresh: the broker drops whatever
 * an earlier run left under this id (its QoS 2 exchanges cannot be finished from a new process).
 */
export function connectSession(session: ReplaySession, hooks: OpenConnectionHooks, signal: AbortSignal | undefined): Promise<MqttConnection | undefined> {
  const before = session.persistent ? () => discardSession(session.options, signal) : undefined;
  return connectUnlessAborted(session.options, signal ? { ...hooks, signal } : hooks, signal, before);
}

/** The give-up watch of a replay, when `connection.giveUpAfterMs` asks for one. */
export function giveUpWatchFor(connection: ConnectionOptions, clock: Clock, onGiveUp: (downForMs: number) => void): GiveUpWatch | undefined {
  const after = connection.giveUpAfterMs;
  return after === undefined ? undefined : new GiveUpWatch(clock, after, onGiveUp);
}
