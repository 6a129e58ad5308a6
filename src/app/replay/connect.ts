import { openConnection, type ConnectionOptions, type MqttConnection, type OpenConnectionHooks } from '../../io/mqtt/connection.js';

/**
 * Connects, unless the signal comes first: Ctrl+C while the broker is still unreachable stops
 * now, not at the connect timeout (undefined; a connection that still comes is ended).
 * `before` (ending an old session) runs first; aborted meanwhile, no connection is opened.
 */
export async function connectUnlessAborted(options: ConnectionOptions, hooks: OpenConnectionHooks, signal: AbortSignal | undefined, before?: () => Promise<void>): Promise<MqttConnection | undefined> {
  const opening = before ? before().then(() => (signal?.aborted ? Promise.reject(new Error('aborted')) : openConnection(options, hooks))) : openConnection(options, hooks);
  const interrupted = new Promise<undefined>((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const opened = await Promise.race([opening, interrupted]);
  if (opened === undefined) opening.then((late) => late.end(true), () => undefined);
  return opened;
}
