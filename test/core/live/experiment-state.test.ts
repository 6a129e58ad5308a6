import { describe, expect, it } from 'vitest';
import type { CompareReport } from '../../../src/core/compare/report.js';
import { EXPERIMENT_LIVE_LIMITS, ExperimentLiveState, brokerMark, experimentRow, type ExperimentRunProgress } from '../../../src/core/live/experiment-state.js';
import { SUMMARY_COLUMNS, summaryRows, type ReportRunInput } from '../../../src/core/report/model.js';

const t0 = 1_700_000_000_000;
const progress = (id: string, index: number, phase: string, sent = 0, received = 0): ExperimentRunProgress => ({ run: { index, id }, total: 3, phase, sent, received, etaMs: 5000 });

/** The fields of compare's report the summary table reads. */
const report = (sent: number, delivered: number, lost: number, duplicates: number, late: number): CompareReport =>
  ({ sent, delivered, lost, duplicates, late, latency_ms: { p50: 1.5, p99: 12 }, outages: [{ kind: 'broker', start: t0, end: t0 + 2000, sent: 10, lost, late }] }) as unknown as CompareReport;
const input = (dir: string, r?: CompareReport, error?: string): ReportRunInput => ({ dir, qos: 1, broker: 'mosquitto', brokerKind: 'mosquitto', restart: 'graceful-3s', restarts: [], durationMs: 9000, ...(r ? { report: r } : {}), ...(error ? { error } : {}) });

describe('brokerMark', () => {
  it.each([
    { event: 'broker_stop', detail: 'graceful, state kept', expected: { kind: 'fault', label: 'broker stopped (graceful, state kept)' } },
    { event: 'broker_start', detail: undefined, expected: { kind: 'recovery', label: 'broker back' } },
    { event: 'fault_start', detail: 'blackhole recorder 2s–12s', expected: { kind: 'fault', label: 'network fault (blackhole recorder 2s–12s)' } },
    { event: 'fault_end', detail: 'blackhole recorder 2s–12s', expected: { kind: 'recovery', label: 'network fault over (blackhole recorder 2s–12s)' } },
    { event: 'connect', detail: undefined, expected: undefined },
  ] as const)('$event → $expected.label', ({ event, detail, expected }) => {
    const mark = brokerMark('q1-a', { at: t0, source: 'broker', event, ...(detail ? { detail } : {}) });
    expect(mark).toEqual(expected && { at: t0, run: 'q1-a', ...expected });
  });
});

describe('experimentRow', () => {
  it.each([
    { name: 'a finished run: the report table’s cells and its counts', run: input('q1-a', report(100, 98, 2, 1, 3)), counts: { sent: 100, delivered: 98, lost: 2, duplicates: 1, late: 3 } },
    { name: 'a failed run: its error, no counts', run: input('q2-a', undefined, 'broker did not come back'), counts: { sent: null, lost: null, error: 'broker did not come back' } },
  ])('$name', ({ run, counts }) => {
    const row = experimentRow(run);
    expect(row).toMatchObject({ run: run.dir, qos: 1, broker: 'mosquitto', restart: 'graceful-3s', ...counts });
    expect(row.cells).toEqual(summaryRows([run])[0]);
    expect(row.cells).toHaveLength(SUMMARY_COLUMNS.length);
  });
});

describe('ExperimentLiveState', () => {
  it('follows the current run, restarts its chart with each run, keeps marks and finished rows', () => {
    const state = new ExperimentLiveState();
    expect(state.apiState()).toMatchObject({ total: 0, finished: 0, current: null, marks: [], rows: [] });
    state.progress(t0, progress('q1-a', 1, 'broker'));
    state.progress(t0 + 500, progress('q1-a', 1, 'replay', 10, 9));
    state.mark({ at: t0 + 600, run: 'q1-a', kind: 'fault', label: 'broker stopped' });
    state.progress(t0 + 700, progress('q1-a', 1, 'broker down', 12, 11));
    state.mark({ at: t0 + 900, run: 'q1-a', kind: 'recovery', label: 'broker back' });
    state.mark({ at: t0 + 950, run: 'q1-a', kind: 'fault', label: 'network cut <b>eth0</b>' }); // any later fault alike
    let f = state.frame(t0 + 1000);
    expect(f.current).toEqual({ index: 1, id: 'q1-a', phase: 'broker down', sent: 12, received: 11, eta_ms: 5000, started_at: t0 });
    expect(f.series).toEqual([[t0, 0, 0], [t0 + 500, 10, 9], [t0 + 700, 12, 11]]);
    expect(f.marks.map((m) => m.label)).toEqual(['broker stopped', 'broker back', 'network cut <b>eth0</b>']);
    state.runDone(input('q1-a', report(12, 12, 0, 0, 1)));
    state.progress(t0 + 2000, progress('q2-a', 2, 'broker'));
    f = state.frame(t0 + 2000);
    expect(f).toMatchObject({ total: 3, finished: 1, current: { index: 2, id: 'q2-a', phase: 'broker', sent: 0, started_at: t0 + 2000 }, columns: [...SUMMARY_COLUMNS] });
    expect(f.series).toEqual([[t0 + 2000, 0, 0]]);
    expect(f.rows.map((r) => [r.run, r.sent, r.lost, r.duplicates, r.late])).toEqual([['q1-a', 12, 0, 0, 1]]);
  });

  it('the same run id in a second pass (index differs) is a new run', () => {
    const state = new ExperimentLiveState();
    state.progress(t0, progress('q1-a', 1, 'replay', 5, 5));
    state.progress(t0 + 10, progress('q1-a', 2, 'broker'));
    expect(state.apiState().current).toMatchObject({ index: 2, sent: 0, started_at: t0 + 10 });
  });

  it(`bounded: the last ${EXPERIMENT_LIVE_LIMITS.maxMarks} marks and ${EXPERIMENT_LIVE_LIMITS.maxRows} rows, counted in full`, () => {
    const state = new ExperimentLiveState();
    for (let i = 0; i < 3000; i++) {
      state.mark({ at: t0 + i, run: 'r', kind: 'info', label: String(i) });
      state.runDone(input(`r${i}`, report(1, 1, 0, 0, 0)));
    }
    const s = state.apiState();
    expect(s.marks).toHaveLength(EXPERIMENT_LIVE_LIMITS.maxMarks);
    expect(s.marks_total).toBe(3000);
    expect(s.rows).toHaveLength(EXPERIMENT_LIVE_LIMITS.maxRows);
    expect(s.finished).toBe(3000);
    expect(s.rows.at(-1)!.run).toBe('r2999');
  });
});
