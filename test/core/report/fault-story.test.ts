import { describe, expect, it } from 'vitest';
import type { FaultCost } from '../../../src/core/experiment/fault-cost.js';
import type { ConnectionEvent } from '../../../src/core/records.js';
import { describeFaultCosts, faultRows, faultSentences } from '../../../src/core/report/fault-story.js';
import { runNarrative } from '../../../src/core/report/narrative.js';

const T = Date.UTC(2026, 10, 29, 14, 0, 0);
const cost = (over: Partial<FaultCost>): FaultCost => ({ fault: 'blackhole recorder at 2s for 10s', kind: 'blackhole', client: 'recorder', start: T, end: T + 10_000, sent: 100, lost: 0, late: 100, on_time: 0, latency_p50_ms: 4000.4, latency_max_ms: 9000, ...over });
const ev = (at: number, source: string, event: ConnectionEvent['event'], sessionPresent?: boolean): ConnectionEvent => ({ at: T + at, source, event, ...(sessionPresent === undefined ? {} : { sessionPresent }) });

describe('faultSentences', () => {
  it('a blackholed recorder: noticed by keepalive, back after the end with its session, the cost', () => {
    const events = [ev(3100, 'trace', 'offline'), ev(10_002, 'trace', 'connect', true)];
    expect(faultSentences([cost({})], events, 1)).toEqual([
      'Network fault blackhole recorder at 2s for 10s: on at 14:00:00.000, off at 14:00:10.000 (10.0 s); the broker kept running.',
      'The recorder noticed at 14:00:03.100, 3.1 s in, when its keepalive ran out, and was back at 14:00:10.002 with its session (session present 1).',
      'Sent during it: 100, lost 0, late 100, on time 0; latency p50 4000 ms, max 9000 ms.',
    ]);
  });

  it('both clients of a cut at QoS 0; one did not notice a delay; a close seen only after the end', () => {
    const cut = cost({ fault: 'cut both at 1s for 1s', kind: 'cut', client: 'both', end: T + 1000, sent: 20, lost: 20, late: 0, latency_p50_ms: null, latency_max_ms: null });
    const events = [ev(1, 'replay', 'offline'), ev(1200, 'replay', 'connect', true), ev(1500, 'trace', 'offline')];
    expect(faultSentences([cut], events, 0)).toEqual([
      'Network fault cut both at 1s for 1s: on at 14:00:00.000, off at 14:00:01.000 (1.0 s); the broker kept running.',
      'The replayer noticed at 14:00:00.001, 0.0 s in, and was back at 14:00:01.200 with its session (session present 1).',
      'The recorder noticed only after it ended, at 14:00:01.500, and was not back when the run ended.',
      'Sent during it: 20, lost 20 (QoS 0 is neither acknowledged nor resent: what was under way or sent while the link was down was gone), late 0, on time 0.',
    ]);
    expect(faultSentences([cost({ kind: 'delay', fault: 'delay 200 ms recorder at 0s for 5s', sent: 0 })], [], 1).slice(1)).toEqual(['The recorder did not notice it: no connection lost to the fault.', 'Nothing was sent during it.']);
  });

  it('the run narrative tells the faults and does not call their outages unplanned', () => {
    const events = [ev(3100, 'trace', 'offline'), ev(10_002, 'trace', 'connect', true), ev(20_000, 'replay', 'offline')];
    const story = runNarrative({ qos: 1, events, faults: [cost({})] });
    expect(story[0]).toBe('The broker ran without a restart.');
    expect(story[1]).toMatch(/^Network fault blackhole recorder/);
    expect(story.filter((s) => s.startsWith('Not part of the experiment'))).toEqual(['Not part of the experiment: the replayer lost the broker at 14:00:20.000 and did not come back.']);
  });

  it('a delay across a restart: the outage was the broker\'s, not the fault\'s', () => {
    const delay = cost({ fault: 'delay 100 ms both at 1s for 6s', kind: 'delay', client: 'both' });
    const events = [ev(3000, 'broker', 'broker_stop'), ev(3100, 'replay', 'offline'), ev(3100, 'trace', 'offline'), ev(4000, 'broker', 'broker_start'), ev(4100, 'replay', 'connect', true), ev(4400, 'trace', 'connect', true)];
    expect(faultSentences([delay], events, 1).slice(0, 3)).toEqual([
      'Network fault delay 100 ms both at 1s for 6s: on at 14:00:00.000, off at 14:00:10.000 (10.0 s); the broker was restarted meanwhile.',
      'The replayer did not notice it: no connection lost to the fault.',
      'The recorder did not notice it: no connection lost to the fault.',
    ]);
  });

  it('a table row per fault: window, each client\'s notice and return, the cost', () => {
    const cut = cost({ fault: 'cut replayer at 1s for 1s', kind: 'cut', client: 'replayer', start: T + 20_000, end: T + 21_000, sent: 20, lost: 20, late: 0, latency_p50_ms: null });
    const events = [ev(3100, 'trace', 'offline'), ev(10_002, 'trace', 'connect', true), ev(20_001, 'replay', 'offline')];
    expect(faultRows([cut, cost({})], events)).toEqual([
      ['blackhole recorder at 2s for 10s', '14:00:00.000', '14:00:10.000', '-', 'offline +3.1 s, back +10.0 s (session 1)', '100', '0', '100', '4000'],
      ['cut replayer at 1s for 1s', '14:00:20.000', '14:00:21.000', 'offline +0.0 s, not back', '-', '20', '20', '0', '-'],
    ]);
  });

  it('lists costs for the run summary', () => {
    expect(describeFaultCosts([cost({}), cost({ fault: 'cut replayer at 1s for 1s', lost: 5, late: 0, latency_p50_ms: null })])).toBe('blackhole recorder at 2s for 10s: 100 sent, 0 lost, 100 late, p50 4000 ms; cut replayer at 1s for 1s: 100 sent, 5 lost, 0 late');
  });
});
