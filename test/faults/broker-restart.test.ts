import { describe, expect, it } from 'vitest';
import { mosquittoAvailable } from '../helpers/brokers.js';
import { namesOf, runFault, type FaultRun, type FaultSpec } from './fault-run.js';

/**
 * Mosquitto stopped mid-replay while a persistent-session tracer records: SIGTERM and SIGKILL,
 * persistence on and off, either client back first. Every run must end with both tools alive
 * and reconnected, and compare's counts must agree with the seqs we can name from the files.
 * Exact numbers are asserted only where MQTT guarantees them.
 */

function commonChecks(run: FaultRun): void {
  const { report } = run.compared;
  const { lost, duplicated } = namesOf(run);
  // Both tools survived and came back after the restart.
  expect(run.replay.stoppedBy).toBe('end');
  expect(run.replay.reconnects).toBeGreaterThanOrEqual(1);
  expect(run.trace.reconnects).toBeGreaterThanOrEqual(1);
  expect(run.backAt.replay).toBeGreaterThan(run.brokerStopAt);
  expect(run.backAt.trace).toBeGreaterThan(run.brokerStopAt);
  // The reconnect order the run asked for really happened.
  if (run.spec.first === 'replay') expect(run.backAt.replay).toBeLessThan(run.backAt.trace);
  else expect(run.backAt.trace).toBeLessThan(run.backAt.replay);
  // Every reading is in the sent log: nothing vanishes from the count.
  expect(report.sent).toBe(run.sent.length);
  expect(run.sent.length).toBe(run.replay.sent);
  expect(report.sent).toBe(report.delivered + report.lost);
  // compare names the same messages we find by hand.
  expect(report.lost).toBe(lost.length);
  expect(report.duplicates).toBe([...run.arrivals.values()].reduce((n, c) => n + Math.max(0, c - 1), 0));
  expect(duplicated.length).toBeLessThanOrEqual(report.duplicates);
  expect(report.unexpected).toBe(0);
  // The outage the broker events describe is the one compare shades.
  expect(report.outages).toHaveLength(1);
  expect(report.outages[0]!.kind).toBe('broker');
  expect(report.outages[0]!.start).toBeCloseTo(run.brokerStopAt, 0);
  expect(report.outages[0]!.sent).toBeGreaterThan(0);
}

function sessionLost(run: FaultRun): boolean {
  const back = run.traceEvents.filter((e) => e.event === 'connect' && e.at > run.brokerStopAt);
  return back.length > 0 && back[0]!.sessionPresent === false;
}

/** Losses can only come from around the outage: in flight at the stop, or sent before the tracer was back. */
function lossesInOutage(run: FaultRun): void {
  const { lost } = namesOf(run);
  const bySeq = new Map(run.sent.map((s) => [s.seq, s]));
  for (const seq of lost) {
    const at = bySeq.get(seq)!.plannedAt!;
    expect(at, `seq ${seq} lost outside the outage`).toBeGreaterThanOrEqual(run.brokerStopAt - 1000);
    expect(at, `seq ${seq} lost outside the outage`).toBeLessThanOrEqual(Math.max(run.backAt.trace, run.backAt.replay) + 50);
  }
}

const cases: Array<FaultSpec & { name: string }> = [
  { name: 'SIGTERM, persistence on, QoS 1, replayer back first', qos: 1, stop: 'graceful', persistence: true, first: 'replay' },
  { name: 'SIGTERM, persistence on, QoS 2, tracer back first', qos: 2, stop: 'graceful', persistence: true, first: 'trace' },
  { name: 'SIGTERM, persistence on, QoS 2, replayer back first', qos: 2, stop: 'graceful', persistence: true, first: 'replay' },
];

describe.runIf(mosquittoAvailable)('faults: broker restarted mid-run (real Mosquitto)', () => {
  it.each(cases)('$name: nothing lost, QoS 2 never duplicates', async (spec) => {
    const run = await runFault(spec);
    commonChecks(run);
    expect(sessionLost(run)).toBe(false);
    expect(run.traceEvents.some((e) => e.event === 'session_lost')).toBe(false);
    expect(namesOf(run).lost).toEqual([]);
    expect(run.compared.report.lost).toBe(0);
    if (spec.qos === 2) expect(run.compared.report.duplicates).toBe(0);
  });

  it.each([
    { name: 'SIGKILL, persistence on (no autosave), QoS 1, replayer first', qos: 1, stop: 'crash', persistence: true, first: 'replay' },
    { name: 'SIGTERM, persistence off, QoS 2, replayer first', qos: 2, stop: 'graceful', persistence: false, first: 'replay' },
    { name: 'SIGKILL, persistence off, QoS 2, tracer first', qos: 2, stop: 'crash', persistence: false, first: 'trace' },
  ] as Array<FaultSpec & { name: string }>)('$name: the lost session is reported and losses are attributed to the outage', async (spec) => {
    const run = await runFault(spec);
    commonChecks(run);
    expect(sessionLost(run)).toBe(true);
    expect(run.traceEvents.some((e) => e.event === 'session_lost')).toBe(true);
    expect(run.trace.sessionsLost).toBeGreaterThanOrEqual(1);
    lossesInOutage(run);
    // With the replayer back first, everything it sent before the tracer resubscribed is gone.
    if (spec.first === 'replay') expect(run.compared.report.lost).toBeGreaterThan(0);
  });

  it.each([
    { name: 'SIGTERM, persistence on, QoS 0, replayer first', qos: 0, stop: 'graceful', persistence: true, first: 'replay' },
    { name: 'SIGKILL, persistence off, QoS 0, tracer first', qos: 0, stop: 'crash', persistence: false, first: 'trace', rows: 400 },
  ] as Array<FaultSpec & { name: string }>)('$name: every message sent during the outage is lost or late, none uncounted', async (spec) => {
    const run = await runFault(spec);
    commonChecks(run);
    const { report } = run.compared;
    const outage = report.outages[0]!;
    expect(outage.lost + outage.late + outage.on_time).toBe(outage.sent);
    // QoS 0 is not queued through an outage: what came due while the broker was down is lost.
    // (A message due at the very moment of the stop may still have left before the broker died.)
    expect(outage.lost).toBeGreaterThan(0);
    expect(outage.on_time).toBeLessThanOrEqual(2);
    // A dropped reading is still in the sent log, without a publish time.
    expect(run.replay.dropped).toBeGreaterThan(0);
    expect(report.duplicates).toBe(0);
    lossesInOutage(run);
  });
});
