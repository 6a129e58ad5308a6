import type { CompareReport } from '../../core/compare/report.js';
import type { ExperimentMark } from '../../core/live/experiment-state.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { SysRecording } from '../../core/sys/sys-counters.js';
import type { FaultCost } from '../../core/experiment/fault-cost.js';
import type { RunSpec, Scenario } from '../../core/scenario/scenario.js';
import type { ReportFiles } from '../../io/output/report-writer.js';
import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import type { CompareFormat } from '../compare/compare.js';
import type { ReplaySummary } from '../replay/replay.js';
import type { TraceSummary } from '../trace/trace.js';
import type { ProcessSummary } from '../process/process.js';
import type { DerivedComparison } from './derived-compare.js';

export type { ExperimentMark };

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
  /** Something done to the system under test, as it happens (a broker stopped or back; any later kind of fault alike). */
  onMark?: (mark: ExperimentMark) => void;
  /** After each run (its report files are already rewritten). */
  onRunDone?: (run: ExperimentRun) => void;
  /** A paragraph for the top of the report. */
  description?: string;
  /** The scenario file's folder: a processor's rules are resolved against it, its command runs in it. */
  baseDir?: string;
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
  /** The broker's $SYS counters over the run (broker.sys.csv), when the recorder started. */
  sys?: SysRecording;
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
  /** With a processor (scenario `processor`): each output compared with the sent log through `expect`. */
  derived?: DerivedComparison[];
  /** The in-process processor's summary (late events, reconnects). */
  processor?: ProcessSummary;
}

export interface ExperimentResult {
  scenario: Scenario;
  runs: ExperimentRun[];
  interrupted: boolean;
  startedAt: number;
  durationMs: number;
  reports: ReportFiles;
}
