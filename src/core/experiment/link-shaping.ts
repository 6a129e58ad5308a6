/**
 * When a chunk of bytes may leave the fault proxy, one direction of one link at a time: a delay
 * (fixed + jitter), a throttle (the link is busy for bytes ÷ rate seconds per chunk, a token
 * bucket with no burst), a blackhole (held until it ends). Order is always kept: a chunk never
 * leaves before the one ahead of it. Pure: the proxy keeps the state and draws the random numbers.
 */
import type { LinkConditions } from './faults.js';

export interface DirectionState {
  /** When the previous chunk left (order: nothing leaves before it). */
  lastReleaseAt: number;
  /** Throttle: when the link has finished sending what it already took. */
  wireFreeAt: number;
}

export const IDLE_DIRECTION: DirectionState = { lastReleaseAt: -Infinity, wireFreeAt: -Infinity };

/**
 * The instant a chunk of `bytes` that reached the proxy at `arrivalAt` leaves it, and the
 * direction's next state. `random` in [0, 1) places the jitter: delay + (2·random − 1) · jitter,
 * never below zero.
 */
export function releaseAt(state: DirectionState, arrivalAt: number, bytes: number, link: LinkConditions, random: number): { at: number; state: DirectionState } {
  let at = arrivalAt;
  if (link.delayMs > 0 || link.jitterMs > 0) at += Math.max(0, link.delayMs + (2 * random - 1) * link.jitterMs);
  let wireFreeAt = state.wireFreeAt;
  if (link.bytesPerS !== undefined) {
    at = Math.max(at, wireFreeAt) + (bytes / link.bytesPerS) * 1000;
    wireFreeAt = at;
  }
  if (link.holdUntil !== undefined) at = Math.max(at, link.holdUntil);
  at = Math.max(at, state.lastReleaseAt);
  return { at, state: { lastReleaseAt: at, wireFreeAt } };
}

/**
 * A throttled link passes chunks in slices of about 50 ms of its rate (at least 64 bytes), so a
 * receiver sees bytes trickle in rather than a large chunk arrive at once after a long wait.
 */
export function sliceBytes(link: LinkConditions): number {
  if (link.bytesPerS === undefined) return Infinity;
  return Math.max(64, Math.floor(link.bytesPerS / 20));
}
