import type { CompareReport } from '../../core/compare/report.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { FaultCost } from '../../core/experiment/fault-cost.js';
import type { RunSpec, Scenario } from '../../core/scenario/scenario.js';
import type { ReportFiles } from '../../io/output/report-writer.js';
import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import type { CompareFormat } from '../compare/compare.js';
import type { ReplaySummary } from '../replay/replay.js';
import type { TraceSummary } from '../trace/trace.js';

export type ExperimentPhase = 'broker' | 'tracer' | 'replay' | 'broker down' | 'drain' | 'compare' | 'done';

export interface ExperimentProgress {
  run: RunSpec;
  total: number;
  phase: ExperimentPhase;
  sent: number;
  received: number;
  /** Estimated time left for the whole experiment. */
  etaMs: number;
}

export interface ExperimentOptions {
  scenario: Scenario;
  /** The profile, resolved (the scenario holds it as written). */
  profile: string;
  outDir: string;
  /** Settings for clients (credentials, TLS) — the URL comes from the broker under test. */
  connection?: Omit<ConnectionOptions, 'url' | 'host' | 'port' | 'clientId' | 'clean'>;
  /** Only these runs (default: the whole matrix). */
  runs?: RunSpec[];
  /** How to run the embedded broker child (default: node dist/cli/bin.js). */
  brokerCommand?: string[];
  /** Chart formats compare renders per run (default svg, png, json, vg: the report's live chart). */
  chartFormats?: CompareFormat[];
  signal?: AbortSignal;
  clock?: Clock;
  onProgress?: (progress: ExperimentProgress) => void;
  onLog?: (line: string) => void;
  /** After each run (its report files are already rewritten). */
  onRunDone?: (run: ExperimentRun) => void;
  /** A paragraph for the top of the report. */
  description?: string;
}

export interface ExperimentRun {
  spec: RunSpec;
  /** Absolute folder of the run. */
  dir: string;
  report?: CompareReport;
  /** Chart and data files compare wrote. */
  files: string[];
  replay?: ReplaySummary;
  trace?: TraceSummary;
  brokerEvents: ConnectionEvent[];
  /** The replayer's and the recorder's connection events, for the run's narrative. */
  clientEvents: ConnectionEvent[];
  /** Network faults switched on and off (faults.events.csv). */
  faultEvents?: ConnectionEvent[];
  /** What each network fault cost (messages sent during it), computed after compare. */
  faultCosts?: FaultCost[];
  error?: string;
  /** The error's code (E_BROKER, E_UNREACHABLE, ...), when the run failed. */
  errorCode?: string;
  durationMs: number;
}

export interface ExperimentResult {
  scenario: Scenario;
  runs: ExperimentRun[];
  interrupted: boolean;
  startedAt: number;
  durationMs: number;
  reports: ReportFiles;
}
