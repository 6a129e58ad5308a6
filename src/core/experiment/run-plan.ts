import type { ErrorCode } from '../errors.js';
import { describeRestarts, estimateReplayMs, estimateRunMs, type RunSpec, type Scenario, type ScenarioRestart } from '../scenario/scenario.js';

/** The chart title of a run: broker · restarts · QoS. */
export function runTitle(spec: RunSpec): string {
  const restarts = spec.variant.faults?.length ? spec.variant.name : spec.variant.restarts.length ? describeRestarts(spec.variant.restarts) : 'no restart';
  return `${spec.broker.name} · ${restarts} · QoS ${spec.qos}`;
}

/** How a restart is described in the broker's events file. */
export function restartDetail(restart: ScenarioRestart): string {
  return `${restart.kind}, state ${restart.state}`;
}

/** The replayer waits for its queue to drain at most this long: the drain plus every outage and network fault. */
export function replayDrainTimeoutMs(scenario: Scenario, spec: RunSpec): number {
  const faults = (spec.variant.faults ?? []).reduce((n, f) => n + f.forMs, 0);
  return scenario.drainMs + faults + spec.variant.restarts.reduce((n, r) => n + r.downForMs, 0);
}

/** A bad input or option fails every run alike: the experiment stops at the first such error, and compare is skipped. */
export function isInputFailure(code: ErrorCode | string | undefined): boolean {
  return code === 'E_INPUT' || code === 'E_USAGE';
}

/**
 * "Time left" for the progress line: each remaining run's estimate (replay length learned from
 * the profile once replay has read it), minus what the current run has already taken.
 */
export class ExperimentEta {
  private replayMs: number;

  constructor(
    private readonly scenario: Scenario,
    private readonly runs: readonly RunSpec[],
    profile: { durationMs: number; rows: number },
  ) {
    this.replayMs = this.replayMsOf(profile);
  }

  /** Replay validated the profile: its figures replace the first guess. */
  learnProfile(profile: { durationMs: number; rows: number }): void {
    this.replayMs = this.replayMsOf(profile);
  }

  leftMs(current: RunSpec, elapsedInRunMs: number): number {
    const remaining = this.runs.slice(Math.max(0, this.runs.indexOf(current)));
    const total = remaining.reduce((sum, run) => sum + estimateRunMs(this.scenario, run, this.replayMs), 0);
    return Math.max(0, total - elapsedInRunMs);
  }

  private replayMsOf(profile: { durationMs: number; rows: number }): number {
    return estimateReplayMs(profile.durationMs, profile.rows * this.scenario.loop, this.scenario.pacing);
  }
}
