import type { Qos2Dedupe } from '../../core/trace/qos2-dedupe.js';
import type { Clock } from '../../io/clock.js';
import type { MqttConnection } from '../../io/mqtt/connection.js';
import { settlesWithin } from './stop-timers.js';

/** How long a stopping tracer lets recorded QoS 2 messages finish PUBREL/PUBCOMP (default of `stopQos2WaitMs`). */
export const QOS2_DRAIN_WAIT_MS = 1000;
/** How long a stopping tracer waits for a clean DISCONNECT before dropping the connection (default of `stopCloseWaitMs`); with the QoS 2 wait at most 2 s, the stop promise. */
export const END_WAIT_MS = 1000;

/** The two waits of a stopping tracer (ms). */
export interface StopWaits {
  qos2Ms?: number;
  closeMs?: number;
}

/**
 * The connection, unless the tracer is stopped first (Ctrl+C while the broker is still
 * unreachable stops at once). A connection that comes after the stop is closed.
 */
export async function connectUnlessStopped(opening: Promise<MqttConnection | undefined>, stopped: Promise<void>): Promise<MqttConnection | undefined> {
  const adopted = Promise.race([opening, stopped.then(() => undefined)]);
  opening.then(
    // Stopped first: the connection that came anyway is closed.
    async (late) => {
      if (late && (await adopted) !== late) void late.end(true);
    },
    () => {},
  );
  return adopted;
}

/**
 * Ends the connection of a stopping tracer. Recorded QoS 2 messages first get a moment to finish
 * PUBREL/PUBCOMP, or the broker would send them again next session; then a clean DISCONNECT,
 * but a broker that is down right now must not keep the tracer waiting: after the close wait
 * the connection is dropped.
 */
export async function closeTraceConnection(connection: MqttConnection, dedupe: Qos2Dedupe, clock: Clock, waits: StopWaits = {}): Promise<void> {
  if (dedupe.pending > 0 && connection.client.connected) await settlesWithin(clock, waits.qos2Ms ?? QOS2_DRAIN_WAIT_MS, dedupe.whenDrained());
  const ended = await settlesWithin(clock, waits.closeMs ?? END_WAIT_MS, connection.end(false));
  if (!ended) await connection.end(true);
}
