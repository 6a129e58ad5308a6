import type { Clock } from '../../io/clock.js';
import type { LoopControl } from './loop-control.js';

/** How often the drain looks again even when nothing woke it. */
const DRAIN_CHECK_MS = 100;

/**
 * After the last reading: waits for the messages still in flight (acknowledgments, QoS 0 still
 * in the socket) until none is left, `timeoutMs` has passed, or the loop is stopped. Each final
 * message wakes it early.
 */
export async function drain(clock: Clock, control: LoopControl, window: { readonly inFlight: number }, timeoutMs: number): Promise<void> {
  const until = clock.now() + timeoutMs;
  while (!control.stopped && window.inFlight > 0 && clock.now() < until) await control.napUntil(Math.min(until, clock.now() + DRAIN_CHECK_MS));
}
