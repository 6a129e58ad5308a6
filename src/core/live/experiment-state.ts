import type { ConnectionEvent } from '../records.js';
import { SUMMARY_COLUMNS, summaryRows, type ReportRunInput } from '../report/model.js';
import { MarkList } from './mark-list.js';
import { CoarseSeries } from './series.js';

/** What the experiment's live page keeps: one run's chart, the last marks, the finished runs' rows. */
export const EXPERIMENT_LIVE_LIMITS = { points: 600, firstSlotMs: 200, maxMarks: 200, maxRows: 1000 } as const;

/**
 * Something done to the system under test, as it happens: a broker stopped (`fault`) or back
 * (`recovery`); any later kind of fault (a network cut, a delay) is reported the same way, with
 * its own label. `info` for what is neither.
 */
export interface ExperimentMark {
  at: number;
  /** The run's id (its folder name). */
  run: string;
  kind: 'fault' | 'recovery' | 'info';
  label: string;
}

/** A run's progress as the experiment reports it (its progress line has these). */
export interface ExperimentRunProgress {
  run: { index: number; id: string };
  total: number;
  phase: string;
  sent: number;
  received: number;
  etaMs: number;
}

/** A finished run as the report's summary table shows it: the same cells, and its counts as numbers. */
export interface ExperimentRowJson {
  run: string;
  broker: string;
  restart: string;
  qos: number;
  /** null for a run that failed (see `error`). */
  sent: number | null;
  delivered: number | null;
  lost: number | null;
  duplicates: number | null;
  late: number | null;
  error?: string;
  /** The report table's row, cell for cell (`columns` names them). */
  cells: string[];
}

/** GET /api/state of `experiment --web`. */
export interface ExperimentApiState {
  /** Runs in the experiment (0 until the first reports). */
  total: number;
  finished: number;
  current: { index: number; id: string; phase: string; sent: number; received: number; eta_ms: number; started_at: number } | null;
  marks: ExperimentMark[];
  marks_total: number;
  columns: string[];
  rows: ExperimentRowJson[];
}

export interface ExperimentFrame extends ExperimentApiState {
  now: number;
  /** The current run's [time, sent, received]. */
  series: Array<[number, number, number]>;
}

/** A broker event of the restart schedule, or a network fault, as a mark (stop/fault on: fault; start/fault over: recovery). */
export function brokerMark(run: string, event: ConnectionEvent): ExperimentMark | undefined {
  const detail = event.detail ? ` (${event.detail})` : '';
  if (event.event === 'broker_stop') return { at: event.at, run, kind: 'fault', label: `broker stopped${detail}` };
  if (event.event === 'broker_start') return { at: event.at, run, kind: 'recovery', label: `broker back${detail}` };
  // Network faults (faults.events.csv) are marked the same way: on, then healed.
  if (event.event === 'fault_start') return { at: event.at, run, kind: 'fault', label: `network fault${detail}` };
  if (event.event === 'fault_end') return { at: event.at, run, kind: 'recovery', label: `network fault over${detail}` };
  return undefined;
}

/** The report table's row for a finished run. */
export function experimentRow(input: ReportRunInput): ExperimentRowJson {
  const cells = summaryRows([input])[0]!;
  const r = input.report;
  return {
    run: input.dir,
    broker: input.broker,
    restart: input.restart,
    qos: input.qos,
    sent: r ? r.sent : null,
    delivered: r ? r.delivered : null,
    lost: r ? r.lost : null,
    duplicates: r ? r.duplicates : null,
    late: r ? r.late : null,
    ...(r ? {} : { error: input.error ?? 'no data' }),
    cells,
  };
}

/** The experiment's live state, fed from its progress reports, marks and finished runs. Pure. */
export class ExperimentLiveState {
  version = 0;
  private total = 0;
  private current: ExperimentApiState['current'] = null;
  private series = this.newSeries();
  private readonly pair = [0, 0];
  private readonly marks = new MarkList<ExperimentMark>(EXPERIMENT_LIVE_LIMITS.maxMarks);
  private readonly rows = new MarkList<ExperimentRowJson>(EXPERIMENT_LIVE_LIMITS.maxRows);

  /** A progress report: the experiment makes one on every arrival, so this allocates nothing within a run. */
  progress(at: number, p: ExperimentRunProgress): void {
    this.version++;
    this.total = p.total;
    let current = this.current;
    if (current?.id !== p.run.id || current.index !== p.run.index) {
      this.series = this.newSeries();
      current = this.current = { index: p.run.index, id: p.run.id, phase: p.phase, sent: 0, received: 0, eta_ms: p.etaMs, started_at: at };
    }
    current.phase = p.phase;
    current.sent = p.sent;
    current.received = p.received;
    current.eta_ms = p.etaMs;
    this.pair[0] = p.sent;
    this.pair[1] = p.received;
    this.series.push(at, this.pair);
  }

  mark(mark: ExperimentMark): void {
    this.version++;
    this.marks.add({ ...mark });
  }

  runDone(input: ReportRunInput): void {
    this.version++;
    this.rows.add(experimentRow(input));
  }

  apiState(): ExperimentApiState {
    return {
      total: this.total,
      finished: this.rows.total,
      current: this.current && { ...this.current },
      marks: this.marks.items(),
      marks_total: this.marks.total,
      columns: [...SUMMARY_COLUMNS],
      rows: this.rows.items(),
    };
  }

  frame(now: number): ExperimentFrame {
    const series = this.series.points().map(([at, sent, received]) => [at!, sent!, received!] as [number, number, number]);
    return { ...this.apiState(), now, series };
  }

  private newSeries(): CoarseSeries {
    return new CoarseSeries(['last', 'last'], EXPERIMENT_LIVE_LIMITS.points, EXPERIMENT_LIVE_LIMITS.firstSlotMs);
  }
}
