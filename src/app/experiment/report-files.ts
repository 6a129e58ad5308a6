import type { ReportRunInput } from '../../core/report/model.js';
import { writeExperimentReports, type ReportFiles } from '../../io/output/report-writer.js';
import type { ExperimentOptions, ExperimentRun } from './types.js';

/** The report's view of each run: its identity, compare's report or its error, and the clients' counts. */
export function reportInputs(runs: readonly ExperimentRun[]): ReportRunInput[] {
  return runs.map((run) => {
    const input: ReportRunInput = {
      dir: run.spec.id,
      qos: run.spec.qos,
      broker: run.spec.broker.name,
      brokerKind: run.spec.broker.kind,
      restart: run.spec.variant.name,
      restarts: run.spec.variant.restarts,
      durationMs: run.durationMs,
      events: [...run.brokerEvents, ...run.clientEvents, ...(run.faultEvents ?? [])],
    };
    if (run.faultCosts) input.faults = run.faultCosts;
    if (run.report) input.report = run.report;
    if (run.error) input.error = run.error;
    if (run.replay) {
      const r = run.replay;
      input.replay = { sent: r.sent, published: r.published, acknowledged: r.acknowledged, queued: r.queued, dropped: r.dropped, reconnects: r.reconnects };
    }
    if (run.sys) input.sys = run.sys;
    if (run.derived) input.derived = run.derived.map((d) => ({ name: d.name, filter: d.filter, expect: d.expect, ...(d.error !== undefined ? { error: d.error } : {}), ...(d.report ? { sent: d.report.sent, delivered: d.report.delivered, lost: d.report.lost, late: d.report.late, wrong: d.report.value_mismatches } : {}) }));
    if (run.trace) input.trace = { received: run.trace.received, reconnects: run.trace.reconnects, sessionsLost: run.trace.sessionsLost };
    return input;
  });
}

/** (Re)writes report.json/.md/.html at the top of the output folder from the runs so far. */
export function writeReports(options: ExperimentOptions, runs: readonly ExperimentRun[], timing: { startedAt: number; durationMs: number; interrupted: boolean }): ReportFiles {
  const description = options.description ?? options.scenario.description;
  const meta = { name: options.scenario.name, ...timing, ...(description ? { description } : {}) };
  return writeExperimentReports(options.outDir, meta, reportInputs(runs), new Map(runs.map((r) => [r.spec.id, r.files])));
}
