/**
 * Experiment: the tutorial's exercise 5 ("stop the broker, start it again: what happens?") as
 * one command. For each run of the matrix it starts a broker it controls, a tracer with a
 * persistent session, the replayer, applies the restart schedule, waits (bounded) for the
 * stream to drain, stops everything, and compares sent against received (run-one.ts and its
 * parts). The report files are rewritten after every run (report-files.ts).
 */
import { SensortraceError, optionError, type ErrorCode } from '../../core/errors.js';
import { ExperimentEta, isInputFailure } from '../../core/experiment/run-plan.js';
import { expandMatrix, type RunSpec } from '../../core/scenario/scenario.js';
import { systemClock } from '../../io/clock.js';
import { inspectProfile } from '../../io/input/profile-reader.js';
import type { ReportFiles } from '../../io/output/report-writer.js';
import { prepareOutputFolder } from '../../io/output/output-path.js';
import { writeReports } from './report-files.js';
import { runOne } from './run-one.js';
import type { ExperimentOptions, ExperimentResult, ExperimentRun } from './types.js';

export type { ExperimentOptions, ExperimentPhase, ExperimentProgress, ExperimentResult, ExperimentRun } from './types.js';
export { reportInputs } from './report-files.js';
export { filterForTemplate } from '../../core/experiment/tracer-filter.js';

/** aedes has no MQTT 5: refuse before any broker starts rather than fail every run alike. */
function checkProtocol(options: ExperimentOptions, runs: readonly RunSpec[]): void {
  if (options.connection?.protocolVersion === 5 && runs.some((r) => r.broker.kind === 'embedded')) {
    throw optionError('protocolVersion', 'the embedded broker (aedes) speaks MQTT 3.1.1 only: use MQTT 3.1.1, or a mosquitto broker for MQTT 5');
  }
}

export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const clock = options.clock ?? systemClock;
  const scenario = options.scenario;
  const runs = options.runs ?? expandMatrix(scenario);
  const startedAt = clock.now();
  checkProtocol(options, runs);
  // A bad profile fails here, before any broker is started (replay would refuse it anyway).
  const profile = await inspectProfile(options.profile, scenario.profileFormat);
  prepareOutputFolder(options.outDir);
  const context = { options, clock, eta: new ExperimentEta(scenario, runs, profile), total: runs.length };
  const results: ExperimentRun[] = [];
  const interrupted = (): boolean => Boolean(options.signal?.aborted);
  const report = (): ReportFiles => writeReports(options, results, { startedAt, durationMs: clock.now() - startedAt, interrupted: interrupted() });
  let reportFiles: ReportFiles | undefined;
  for (const spec of runs) {
    if (interrupted()) break;
    const result = await runOne(context, spec);
    results.push(result);
    // Rewritten after every run, so an interrupted or failed experiment still leaves a report.
    reportFiles = report();
    options.onRunDone?.(result);
    if (result.error && isInputFailure(result.errorCode)) throw new SensortraceError(result.error, result.errorCode as ErrorCode);
  }
  return { scenario, runs: results, interrupted: interrupted(), startedAt, durationMs: clock.now() - startedAt, reports: reportFiles ?? report() };
}
