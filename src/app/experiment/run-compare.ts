import { existsSync } from 'node:fs';
import { isInputFailure, runTitle } from '../../core/experiment/run-plan.js';
import { compare, type CompareFormat } from '../compare/compare.js';
import { runFaultWindows } from './fault-costs.js';
import type { ExperimentRun } from './types.js';

export interface RunFiles {
  sent: string;
  trace: string;
  brokerEvents: string;
  /** compare's output folder. */
  compare: string;
}

/** Whether the run left both logs and did not fail on its input (then every run would, and there is nothing to compare). */
export function canCompare(run: ExperimentRun, files: RunFiles): boolean {
  return existsSync(files.sent) && existsSync(files.trace) && !(run.errorCode && isInputFailure(run.errorCode));
}

/**
 * Compares the run's sent log against its trace, with the broker's events as outage windows, and
 * stores the report and chart files on the run. A compare failure becomes the run's error
 * (unless it already has one); it never fails the experiment.
 */
export async function compareRun(run: ExperimentRun, files: RunFiles, formats: CompareFormat[]): Promise<void> {
  try {
    const compared = await compare({
      sent: files.sent,
      received: [files.trace],
      // The replayer's and tracer's events files sit beside their outputs; compare finds those.
      events: [files.brokerEvents],
      output: files.compare,
      formats,
      title: runTitle(run.spec),
      // Shaded on the charts: a delay or throttle makes no outage, a cut one the client notices later.
      faults: runFaultWindows(run).map((w) => ({ start: w.start, end: w.end, label: w.fault })),
    });
    run.report = compared.report;
    run.files = compared.files;
  } catch (error) {
    run.error ??= `compare failed: ${(error as Error).message}`;
  }
}
