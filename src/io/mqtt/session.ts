import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { ConnectionEvent } from '../../core/records.js';
import type { ConnectionOptions } from './client-options.js';
import { openConnection } from './connection.js';

/** MQTT 5 session expiry of a persistent publisher session when none is given: one day. */
export const DEFAULT_SESSION_EXPIRY_S = 86_400;

export interface SessionIdentity {
  clientId: string;
  /** How the id was chosen: given (-i), derived from the log's path, or random (no log). */
  origin: 'given' | 'log' | 'random';
}

/**
 * The client id of a publisher's persistent session: the given one; else one derived from the
 * absolute path of its log (the same log, the same id: a resumed run takes the same session
 * over, and a killed run leaves at most one stale session per log on the broker); else random.
 */
export function sessionIdentity(source: string, given: string | undefined, logPath: string | undefined): SessionIdentity {
  if (given) return { clientId: given, origin: 'given' };
  if (logPath) {
    const hash = createHash('sha256').update(resolve(logPath)).digest('hex').slice(0, 16);
    return { clientId: `st-${source}-${hash}`, origin: 'log' };
  }
  return { clientId: `st-${source}-${randomBytes(8).toString('hex')}`, origin: 'random' };
}

/** The connection settings of a persistent session (clean false; MQTT 5: a session expiry). */
export function persistentSession(options: ConnectionOptions, clientId: string): ConnectionOptions {
  const persistent: ConnectionOptions = { ...options, clientId, clean: false };
  if (options.protocolVersion === 5 && options.sessionExpiry === undefined) persistent.sessionExpiry = DEFAULT_SESSION_EXPIRY_S;
  return persistent;
}

/**
 * Ends whatever session the broker keeps under this client id: a CONNECT with clean session
 * (MQTT 5: clean start, expiry 0), then DISCONNECT. A publisher's QoS 2 state lives in the
 * client's memory: a new run cannot finish an old session's exchanges, and the broker would take
 * the new run's PUBLISH for a resend of an old, unreleased one with the same packet id (and never
 * deliver it). Fails like openConnection (E_UNREACHABLE, E_AUTH).
 */
export async function discardSession(options: ConnectionOptions, signal?: AbortSignal): Promise<void> {
  const { sessionExpiry: _expiry, will: _will, ...rest } = options;
  const connection = await openConnection({ ...rest, clean: true, ...(options.protocolVersion === 5 ? { sessionExpiry: 0 } : {}) }, { source: 'session', ...(signal ? { signal } : {}) });
  await connection.end(false);
}

/** The detail of the first `connect` event of a persistent session: under which id, resumable or not. */
export function sessionDetail(identity: SessionIdentity): string {
  const origin = { given: 'given by -i', log: "derived from the log's path", random: 'random (no --log: a later run cannot take this session over)' }[identity.origin];
  return `persistent session, client id ${identity.clientId} (${origin})`;
}

/** Adds the session's detail to the first `connect` event passed to `sink` (nothing without a persistent session). */
export function withSessionDetail(identity: SessionIdentity | undefined, sink: (event: ConnectionEvent) => void): (event: ConnectionEvent) => void {
  let detail = identity && sessionDetail(identity);
  return (event) => {
    if (event.event === 'connect' && detail !== undefined) {
      sink({ ...event, detail: event.detail ? `${event.detail}; ${detail}` : detail });
      detail = undefined;
    } else sink(event);
  };
}
