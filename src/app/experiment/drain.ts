import type { ArrivalTally } from '../../core/experiment/arrival-tally.js';
import { drainVerdict, nextDrainCheckAt, type DrainVerdict } from '../../core/experiment/drain.js';
import type { Clock } from '../../io/clock.js';
import { sleepUntil } from './interruptible.js';

export interface DrainLimits {
  /** Messages the replay sent. */
  target: number;
  drainMs: number;
  quietMs: number;
}

/**
 * After the replay: waits (bounded) for the tracer to receive every message sent, checking every
 * DRAIN_CHECK_MS; see drainVerdict for when it gives up. Returns why it stopped.
 */
export async function awaitDrain(clock: Clock, signal: AbortSignal, tally: ArrivalTally, limits: DrainLimits): Promise<DrainVerdict | 'interrupted'> {
  const replayEndedAt = clock.now();
  for (;;) {
    if (signal.aborted) return 'interrupted';
    const now = clock.now();
    const verdict = drainVerdict({ now, arrived: tally.distinct, target: limits.target, replayEndedAt, lastArrivalAt: tally.lastAt, drainMs: limits.drainMs, quietMs: limits.quietMs });
    if (verdict !== 'wait') return verdict;
    await sleepUntil(clock, nextDrainCheckAt({ now, replayEndedAt, drainMs: limits.drainMs }), signal);
  }
}
