import { describe, expect, it } from 'vitest';
import { ArrivalTable } from '../../../src/core/compare/arrival-table.js';
import { analyse } from '../../../src/core/compare/report.js';
import { SentTable } from '../../../src/core/compare/sent-table.js';
import { faultCost, faultWindows } from '../../../src/core/experiment/fault-cost.js';

/** Ten messages planned 100 ms apart from t=1000, published 1 ms after; arrivals as given (seq → received at). */
function tables(received: Record<number, number>): { sent: SentTable; arrivals: ArrivalTable } {
  const sent = SentTable.from(Array.from({ length: 10 }, (_, i) => ({ seq: i + 1, sensor: 'a', topic: 't', qos: 1 as const, profileTime: i, value: i, plannedAt: 1000 + i * 100, publishedAt: 1001 + i * 100 })));
  const arrivals = ArrivalTable.from(Object.entries(received).map(([seq, at]) => ({ receivedAt: at, topic: 't', seq: Number(seq), sensor: 'a', value: Number(seq) - 1 })));
  return { sent, arrivals };
}

const window = { fault: 'blackhole recorder at 0.2s for 0.3s', kind: 'blackhole' as const, client: 'recorder' as const, start: 1200, end: 1500 };

describe('faultCost', () => {
  it('counts the messages sent in [start, end): lost, late, on time, and their latency', () => {
    // seq 3, 4, 5 sent at 1200, 1300, 1400 (in); seq 6 at 1500 (out: end exclusive).
    const { sent, arrivals } = tables({ 1: 1010, 2: 1110, 3: 1250, 4: 1900, 6: 1510, 7: 1610 });
    const { detail } = analyse(sent, arrivals);
    expect(faultCost(window, sent, arrivals, detail.firstArrival)).toEqual({ ...window, sent: 3, lost: 1, late: 1, on_time: 1, latency_p50_ms: 49, latency_max_ms: 599 });
  });

  it('no latency when nothing sent during it arrived', () => {
    const { sent, arrivals } = tables({ 1: 1010 });
    const { detail } = analyse(sent, arrivals);
    expect(faultCost(window, sent, arrivals, detail.firstArrival)).toMatchObject({ sent: 3, lost: 3, latency_p50_ms: null });
  });
});

describe('faultWindows', () => {
  const fault = { fault: 'cut replayer at 1s for 1s', kind: 'cut' as const, client: 'replayer' as const };
  it('pairs each fault with its start and end events; one never ended ends with the run', () => {
    const events = [
      { at: 100, event: 'fault_start', detail: 'cut replayer at 1s for 1s' },
      { at: 200, event: 'fault_end', detail: 'cut replayer at 1s for 1s' },
      { at: 300, event: 'fault_start', detail: 'cut replayer at 1s for 1s' },
    ];
    expect(faultWindows(events, [fault, fault], 999)).toEqual([
      { ...fault, start: 100, end: 200 },
      { ...fault, start: 300, end: 999 },
    ]);
  });

  it('an end lifted early (the run ended) still closes its window; a fault that never started has none', () => {
    const events = [
      { at: 100, event: 'fault_start', detail: 'cut replayer at 1s for 1s' },
      { at: 150, event: 'fault_end', detail: 'cut replayer at 1s for 1s; lifted early: the run ended' },
    ];
    expect(faultWindows(events, [fault, { ...fault, fault: 'other' }], 999)).toEqual([{ ...fault, start: 100, end: 150 }]);
  });
});
