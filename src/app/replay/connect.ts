import { openConnection, type ConnectionOptions, type MqttConnection, type OpenConnectionHooks } from '../../io/mqtt/connection.js';

/**
 * Connects, unless the signal comes first: Ctrl+C while the broker is still unreachable stops
 * now, not at the connect timeout (undefined; a connection that still comes is ended).
 */
export async function connectUnlessAborted(options: ConnectionOptions, hooks: OpenConnectionHooks, signal: AbortSignal | undefined): Promise<MqttConnection | undefined> {
  const opening = openConnection(options, hooks);
  const interrupted = new Promise<undefined>((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const opened = await Promise.race([opening, interrupted]);
  if (opened === undefined) opening.then((late) => late.end(true), () => undefined);
  return opened;
}
