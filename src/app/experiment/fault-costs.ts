import { analyse } from '../../core/compare/report.js';
import { describeFault } from '../../core/experiment/faults.js';
import { faultCost, faultWindows, type FaultWindow } from '../../core/experiment/fault-cost.js';
import { readSentTable } from '../../io/logs/sent-log-reader.js';
import { readReceivedTable } from '../../io/logs/trace-reader.js';
import type { RunFiles } from './run-compare.js';
import type { ExperimentRun } from './types.js';

/**
 * After compare: what each of the run's network faults cost (see core/experiment/fault-cost.ts),
 * stored on the run for the report. The logs are read again (runs are small); a failure leaves
 * the run without costs, never fails it.
 */
export async function costFaults(run: ExperimentRun, files: RunFiles): Promise<void> {
  const windows = runFaultWindows(run);
  if (windows.length === 0) return;
  try {
    const [sent, { arrivals }] = await Promise.all([readSentTable(files.sent), readReceivedTable(files.trace)]);
    const { detail } = analyse(sent, arrivals);
    run.faultCosts = windows.map((w) => faultCost(w, sent, arrivals, detail.firstArrival));
  } catch (error) {
    run.error ??= `fault costs: ${(error as Error).message}`;
  }
}

/** When each of the run's network faults was on (from its fault events); none without faults. */
export function runFaultWindows(run: ExperimentRun): FaultWindow[] {
  const faults = run.spec.variant.faults ?? [];
  if (faults.length === 0 || !run.faultEvents?.length) return [];
  const lastEvent = Math.max(...run.faultEvents.map((e) => e.at));
  return faultWindows(run.faultEvents, faults.map((f) => ({ fault: describeFault(f), kind: f.kind, client: f.client })), lastEvent);
}
