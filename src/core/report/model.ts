/**
 * The experiment report as data: what report.json holds, and the rows of the summary table
 * that report.md, report.html and the terminal all show. Pure.
 */
import type { CompareReport, OutageReport } from '../compare/report.js';
import type { ConnectionEvent, Qos } from '../records.js';
import type { FaultCost } from '../experiment/fault-cost.js';
import type { ScenarioRestart } from '../scenario/scenario.js';
import type { SysRecording } from '../sys/sys-counters.js';
import { brokerSysJson, type BrokerSysJson } from './sys-view.js';

export interface ReportRunInput {
  /** Folder name of the run, relative to the report. */
  dir: string;
  qos: Qos;
  broker: string;
  brokerKind: string;
  restart: string;
  restarts: readonly ScenarioRestart[];
  report?: CompareReport;
  replay?: { sent: number; published: number; acknowledged: number; queued: number; dropped: number; reconnects: number };
  trace?: { received: number; reconnects: number; sessionsLost: number };
  error?: string;
  durationMs: number;
  /** Broker and client connection events (sources broker, replay, trace): the run's narrative. */
  events?: readonly ConnectionEvent[];
  /** The broker's own view: its $SYS counters over the run (broker.sys.csv). */
  sys?: SysRecording;
  /** With a processor: each output's derived events against `expect` of the sent readings. */
  derived?: readonly DerivedRunInput[];
  /** Network faults: each window and what it cost (absent without faults). */
  faults?: readonly FaultCost[];
}

/** One processor output of a run: what the outage did to its derived events. */
export interface DerivedRunInput {
  name: string;
  filter: string;
  expect: string;
  sent?: number;
  delivered?: number;
  lost?: number;
  late?: number;
  /** Derived values that are not `expect` of the sent value (wrong window values). */
  wrong?: number;
  error?: string;
}

/** `arrival (cep/avg/arrival/+, expect …): 40 sent, 40 delivered, 0 lost, 9 late, 7 wrong values`. */
export function describeDerived(d: DerivedRunInput): string {
  const head = `${d.name} (${d.filter}, expect ${d.expect})`;
  if (d.error !== undefined || d.sent === undefined) return `${head}: ${d.error ?? 'not compared'}`;
  return `${head}: ${d.sent} sent, ${d.delivered ?? 0} derived events delivered, ${d.lost ?? 0} lost, ${d.late ?? 0} late, ${d.wrong ?? 0} wrong values`;
}

/** One entry of report.json's runs: the run's identity, then every field of compare's report. */
export type ReportRunJson = {
  dir: string;
  qos: Qos;
  broker: string;
  broker_kind: string;
  restart: string;
  restarts: Array<{ at_ms: number; down_for_ms: number; kind: string; state: string }>;
  duration_ms: number;
  error?: string;
  replay?: ReportRunInput['replay'];
  trace?: ReportRunInput['trace'];
  /** The broker's $SYS counters: start, end and change of each (see core/sys/sys-counters.ts). */
  broker_sys?: BrokerSysJson;
  derived?: ReportRunInput['derived'];
  faults?: FaultCost[];
} & Partial<CompareReport>;

export interface ExperimentReportJson {
  name: string;
  description?: string;
  started_at: number;
  duration_ms: number;
  interrupted: boolean;
  runs: ReportRunJson[];
}

export function reportJson(meta: { name: string; description?: string; startedAt: number; durationMs: number; interrupted: boolean }, runs: readonly ReportRunInput[]): ExperimentReportJson {
  return {
    name: meta.name,
    ...(meta.description ? { description: meta.description } : {}),
    started_at: meta.startedAt,
    duration_ms: Math.round(meta.durationMs),
    interrupted: meta.interrupted,
    runs: runs.map((run) => ({
      dir: run.dir,
      qos: run.qos,
      broker: run.broker,
      broker_kind: run.brokerKind,
      restart: run.restart,
      restarts: run.restarts.map((r) => ({ at_ms: r.atMs, down_for_ms: r.downForMs, kind: r.kind, state: r.state })),
      duration_ms: Math.round(run.durationMs),
      ...(run.error ? { error: run.error } : {}),
      ...(run.replay ? { replay: run.replay } : {}),
      ...(run.trace ? { trace: run.trace } : {}),
      ...(run.sys ? { broker_sys: brokerSysJson(run.sys) } : {}),
      ...(run.derived ? { derived: run.derived } : {}),
      ...(run.faults ? { faults: [...run.faults] } : {}),
      ...(run.report ?? {}),
    })),
  };
}

export const SUMMARY_COLUMNS = ['run', 'broker', 'restart', 'QoS', 'sent', 'delivered', 'lost', 'duplicates', 'late', 'p50 ms', 'p99 ms', 'outages'] as const;

function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  return value.toFixed(value >= 100 ? 0 : 1);
}

/** `2.1 s: 60 sent, 60 lost, 0 late` per window; broker windows first (they are the experiment's). */
export function describeOutages(outages: readonly OutageReport[]): string {
  if (outages.length === 0) return 'none';
  const sorted = [...outages].sort((a, b) => (a.kind === b.kind ? a.start - b.start : a.kind === 'broker' ? -1 : 1));
  return sorted
    .map((o) => `${o.kind} ${o.end === null ? 'not ended' : `${((o.end - o.start) / 1000).toFixed(1)} s`}: ${o.sent} sent, ${o.lost} lost, ${o.late} late`)
    .join('; ');
}

/** The summary table's cells, one row per run (a failed run shows its error in place of counts). */
export function summaryRows(runs: readonly ReportRunInput[]): string[][] {
  return runs.map((run) => {
    const head = [run.dir, run.broker, run.restart, String(run.qos)];
    const r = run.report;
    if (!r) return [...head, '-', '-', '-', '-', '-', '-', '-', `failed: ${run.error ?? 'no data'}`];
    return [...head, String(r.sent), String(r.delivered), String(r.lost), String(r.duplicates), String(r.late), ms(r.latency_ms.p50), ms(r.latency_ms.p99), describeOutages(r.outages.filter((o) => o.kind === 'broker').length ? r.outages.filter((o) => o.kind === 'broker') : r.outages)];
  });
}

/** Aligned plain text for a terminal. */
export function headlineTable(runs: readonly ReportRunInput[]): string {
  const rows = [[...SUMMARY_COLUMNS] as string[], ...summaryRows(runs)];
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10]);
  const widths = SUMMARY_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}
