import type { RunSpec } from '../../core/scenario/scenario.js';
import type { Clock } from '../../io/clock.js';
import type { ExperimentPhase, ExperimentProgress } from './types.js';

/** The progress line's state for one run: its phase and counts, reported on every change. */
export class RunProgress {
  phase: ExperimentPhase = 'broker';
  sent = 0;
  received = 0;
  private readonly startedAt: number;

  constructor(
    private readonly spec: RunSpec,
    private readonly total: number,
    private readonly clock: Clock,
    /** Time left for the whole experiment, given how long this run has taken so far. */
    private readonly etaMs: (elapsedInRunMs: number) => number,
    private readonly onProgress: ((progress: ExperimentProgress) => void) | undefined,
  ) {
    this.startedAt = clock.now();
  }

  /** Milliseconds since the run started. */
  get elapsedMs(): number {
    return this.clock.now() - this.startedAt;
  }

  /** Reports the current state, entering `phase` first when given. */
  report(phase?: ExperimentPhase): void {
    if (phase) this.phase = phase;
    this.onProgress?.({ run: this.spec, total: this.total, phase: this.phase, sent: this.sent, received: this.received, etaMs: this.etaMs(this.elapsedMs) });
  }
}
