import { describe, expect, it } from 'vitest';
import { arrivalsBySensor, groupBySensor, latencyLines, messageFacts, receivedLine, sensorMessages } from '../../../src/core/chart/chart-lines.js';
import { analyse } from '../../../src/core/compare/report.js';
import { ArrivalTable } from '../../../src/core/compare/arrival-table.js';
import { SentTable, type SentMessage } from '../../../src/core/compare/sent-table.js';

const message = (seq: number, sensor: string, plannedAt: number): SentMessage => ({ seq, sensor, topic: `t/${sensor}`, qos: 1, profileTime: seq, value: seq * 10, plannedAt, publishedAt: plannedAt + 1 });

describe('chart lines', () => {
  // b first in the log but sent later; a's messages out of send-time order.
  const sent = SentTable.from([message(1, 'b', 500), message(2, 'a', 300), message(3, 'a', 100), message(4, 'b', 600)]);

  it('groups by sensor in order of first appearance and sorts each by send time', () => {
    const groups = groupBySensor(sent);
    expect([groups.names, [...groups.sensorOf], groups.counts]).toEqual([['b', 'a'], [0, 1, 1, 0], [2, 2]]);
    const a = sensorMessages(sent, groups, 1);
    expect([[...a.indices], [...a.xs], [...a.ys]]).toEqual([[2, 1], [100, 300], [30, 20]]);
  });

  it('latency and delay of delivered messages against send time; first arrivals by sensor, duplicates as markers', () => {
    const arrivals = ArrivalTable.from([
      { receivedAt: 350, topic: 't/a', seq: 2, value: 21 },
      { receivedAt: 110, topic: 't/a', seq: 3 },
      { receivedAt: 360, topic: 't/a', seq: 2 },
      { receivedAt: 620, topic: 't/b', seq: 4 },
    ]);
    const { detail } = analyse(sent, arrivals);
    const groups = groupBySensor(sent);
    const facts = (i: number) => messageFacts(sent, arrivals, detail.firstArrival, groups.sendTimes, i);
    // Tooltip facts: seq, send time, publish, first arrival; lost seq 1 has no arrival.
    const seq3 = { seq: 3, sent_at: 100, published_at: 101, received_at: 110 };
    const seq2 = { seq: 2, sent_at: 300, published_at: 301, received_at: 350 };
    expect([facts(2), facts(0)]).toEqual([{ ...seq3, latency_ms: 9 }, { seq: 1, sent_at: 500, published_at: 501 }]);
    expect(latencyLines(sent, arrivals, detail.firstArrival, 'a', sensorMessages(sent, groups, 1), 100, facts)).toEqual([
      { series: 'delay', sensor: 'a', t: 100, latency_ms: 10, ...seq3 },
      { series: 'delay', sensor: 'a', t: 300, latency_ms: 50, ...seq2 },
      { series: 'latency', sensor: 'a', t: 100, latency_ms: 9, ...seq3 },
      { series: 'latency', sensor: 'a', t: 300, latency_ms: 49, ...seq2 },
    ]);
    const received = arrivalsBySensor(sent, arrivals, detail, groups, facts);
    // a arrived first; b's first message (seq 1) was lost.
    expect(received.arrivalOrder).toEqual([1, 0]);
    expect([[...received.lines[1]!.times], [...received.lines[1]!.values], [...received.lines[1]!.indices], [...received.lines[0]!.times]]).toEqual([[110, 350], [30, 21], [2, 1], [620]]);
    // A duplicate's tooltip gives its own arrival time.
    expect(received.duplicates).toEqual([{ series: 'duplicate', sensor: 'a', t: 360, value: 20, ...seq2, latency_ms: 49, received_at: 360 }]);
  });

  it.each([
    ['nothing arrived during the outage: one break', [{ start: 20, end: 30 }], [10, 15, 40], [10, 15, null, 40]],
    ['only what was in flight as it began: still a break', [{ start: 12, end: 30 }], [10, 15, 40], [10, 15, null, 40]],
    ['arrivals kept coming through it: no break', [{ start: 12, end: 30 }], [10, 15, 20, 25, 40], [10, 15, 20, 25, 40]],
    ['gaps shorter than half the window: no break', [{ start: 10, end: 30 }], [10, 15, 24, 40], [10, 15, 24, 40]],
    ['an open window never breaks the line', [{ start: 20, end: null }], [10, 15, 40], [10, 15, 40]],
    ['nothing after the window: nothing to break', [{ start: 20, end: 30 }], [10, 15], [10, 15]],
  ] as const)('received line: %s', (_, windows, times, values) => {
    const line = { times: Float64Array.from(times), values: Float64Array.from(times), indices: Int32Array.from(times, (_t, i) => i) };
    const points = receivedLine('a', line, windows.map((w) => ({ ...w, kind: 'broker' as const, sources: ['broker'] })), 100, (i) => ({ seq: i + 1 }));
    expect(points.map((p) => p.value)).toEqual(values);
    expect(points.filter((p) => p.value !== null).map((p) => p.seq)).toEqual(times.map((_t, i) => i + 1));
  });
});
