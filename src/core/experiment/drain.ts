/**
 * When to stop waiting for the last messages after the replay ended: as soon as every sent
 * message arrived, at the drain deadline, or once nothing arrived for `quietMs` (counted from
 * the later of the replay's end and the last arrival).
 */
export interface DrainState {
  now: number;
  /** Distinct messages received so far. */
  arrived: number;
  /** Messages the replay sent. */
  target: number;
  replayEndedAt: number;
  lastArrivalAt: number;
  drainMs: number;
  quietMs: number;
}

export type DrainVerdict = 'complete' | 'deadline' | 'quiet' | 'wait';

/** Between checks: a late arrival is seen within this long. */
export const DRAIN_CHECK_MS = 50;

export function drainVerdict(s: DrainState): DrainVerdict {
  if (s.arrived >= s.target) return 'complete';
  if (s.now >= s.replayEndedAt + s.drainMs) return 'deadline';
  if (s.now - Math.max(s.lastArrivalAt, s.replayEndedAt) >= s.quietMs) return 'quiet';
  return 'wait';
}

/** The next check: one slice on, never past the deadline. */
export function nextDrainCheckAt(s: Pick<DrainState, 'now' | 'replayEndedAt' | 'drainMs'>): number {
  return Math.min(s.replayEndedAt + s.drainMs, s.now + DRAIN_CHECK_MS);
}
