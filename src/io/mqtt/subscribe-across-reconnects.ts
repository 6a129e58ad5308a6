import type { MqttClient } from 'mqtt';

/**
 * A first SUBSCRIBE that survives the connection dropping before its SUBACK: MQTT.js fails a
 * SUBSCRIBE in flight with "Connection closed" when the socket closes, and a broker stopped
 * between CONNACK and SUBACK ended trace and process as unexpected failures (exit 1). While the
 * client is offline, the attempt is made again at its next connect. Undefined once `stopped`
 * settles first; an error on a live connection (a refusal) is thrown as it is.
 */
export async function subscribeAcrossReconnects<T>(client: MqttClient, subscribe: () => Promise<T>, stopped: Promise<unknown>): Promise<T | undefined> {
  const stop = stopped.then(() => undefined);
  for (;;) {
    const attempt = await Promise.race([subscribe().then((granted) => ({ granted }), (error: unknown) => ({ error })), stop]);
    if (attempt === undefined) return undefined;
    if ('granted' in attempt) return attempt.granted;
    if (client.connected) throw attempt.error;
    let onConnect = (): void => undefined;
    const back = await Promise.race([new Promise<true>((resolve) => client.once('connect', (onConnect = () => resolve(true)))), stop]);
    client.off('connect', onConnect);
    if (!back) return undefined;
  }
}
