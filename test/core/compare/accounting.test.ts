import { describe, expect, it } from 'vitest';
import { accountArrivals, ARRIVAL_DUPLICATE, ARRIVAL_FIRST, ARRIVAL_UNEXPECTED, TopicOrder, valueCheck } from '../../../src/core/compare/arrival-accounting.js';
import { ArrivalTable } from '../../../src/core/compare/arrival-table.js';
import { Matcher } from '../../../src/core/compare/match.js';
import { attributeOutages } from '../../../src/core/compare/outage-attribution.js';
import { SentTable, type SentMessage } from '../../../src/core/compare/sent-table.js';
import { Slices } from '../../../src/core/compare/slices.js';

const message = (seq: number, extra: Partial<SentMessage> = {}): SentMessage => ({ seq, sensor: 'a', topic: 't/a', qos: 1, profileTime: seq, value: seq, plannedAt: 100 * seq, publishedAt: 100 * seq + 1, ...extra });

describe('TopicOrder', () => {
  it('a seq below the highest seen on its topic is behind; other topics are separate', () => {
    const order = new TopicOrder();
    expect([[0, 2], [0, 1], [1, 1], [0, 3], [0, 2]].map(([topic, seq]) => order.isBehind(topic!, seq!))).toEqual([false, true, false, false, true]);
  });
});

describe('valueCheck', () => {
  const sent = SentTable.from([message(1, { value: 20 })]);
  it.each([
    [{}, 20, false],
    [{}, 20.001, true],
    [{}, Number.NaN, false],
    [{ expected: (s: SentMessage) => s.value * 2, tolerance: 1e-6 }, 40.00001, false],
    [{ expected: (s: SentMessage) => s.value * 2, tolerance: 1e-6 }, 20, true],
  ])('%j: %d is a mismatch: %s', (options, value, mismatch) => {
    expect(valueCheck(sent, options)(0, value)).toBe(mismatch);
  });
});

describe('Slices', () => {
  it('counts each message as sent in all, its sensor and its QoS; messages of one (sensor, QoS) share a group', () => {
    const slices = new Slices(SentTable.from([message(1), message(2, { sensor: 'b', qos: 0 }), message(3)]));
    expect([slices.all.sent, slices.bySensor.get('a')!.sent, slices.bySensor.get('b')!.sent, slices.byQos.get('1')!.sent, slices.byQos.get('0')!.sent]).toEqual([3, 2, 1, 2, 1]);
    expect(slices.of(0)).toBe(slices.of(2));
    // Statistics are sized by the counts accountArrivals keeps: messages 0 and 2 were measured.
    for (const i of [0, 2]) for (const acc of slices.of(i)) acc.latencies++;
    const counts = slices.counts(Float64Array.of(5, NaN, 7), new Float64Array(3).fill(NaN));
    expect([counts.all.lost, counts.all.latency_ms.count, counts.bySensor.a!.latency_ms.max, counts.bySensor.b!.latency_ms.count, counts.all.delay_ms!.count]).toEqual([3, 2, 7, 0, 0]);
  });
});

describe('accountArrivals and attributeOutages', () => {
  it('first copies, duplicates and unexpected arrivals add up; outage messages are lost, late or on time', () => {
    const sent = SentTable.from([1, 2, 3, 4].map((seq) => message(seq)));
    const arrivals = ArrivalTable.from([
      { receivedAt: 150, topic: 't/a', seq: 1 },
      { receivedAt: 160, topic: 't/a', seq: 1 }, // duplicate
      { receivedAt: 170, topic: 'x', seq: 99 }, // unexpected
      { receivedAt: 450, topic: 't/a', seq: 3, publishedAt: 0 }, // sent during the outage, arrived after it: late
      { receivedAt: 460, topic: 't/a', seq: 2 }, // also late, and behind seq 3
    ]);
    const slices = new Slices(sent);
    const order = Uint32Array.of(0, 1, 2, 3, 4);
    const d = accountArrivals(sent, arrivals, order, new Matcher(sent), slices, valueCheck(sent, {}));
    expect([...d.arrivalKind]).toEqual([ARRIVAL_FIRST, ARRIVAL_DUPLICATE, ARRIVAL_UNEXPECTED, ARRIVAL_FIRST, ARRIVAL_FIRST]);
    expect([...d.matchOf]).toEqual([0, 0, -1, 2, 1]);
    expect([...d.firstArrival]).toEqual([0, 4, 3, -1]);
    expect([...d.latencyOf]).toEqual([49, 259, 149, NaN]);
    const all = slices.all;
    expect([all.received, all.delivered, all.duplicates, all.outOfOrder, d.unexpected]).toEqual([4, 3, 1, 1, 1]);
    // received = delivered + duplicates + unexpected (whole report); sent = delivered + lost.
    expect(all.received + d.unexpected).toBe(all.delivered + all.duplicates + d.unexpected);
    const outages = attributeOutages([{ start: 200, end: 440, kind: 'broker', sources: ['broker'] }], sent, arrivals, d.firstArrival, slices);
    expect(outages).toEqual([{ start: 200, end: 440, kind: 'broker', sources: ['broker'], sent: 3, lost: 1, late: 2, on_time: 0 }]);
    expect(all.late).toBe(2);
  });

  it('a window that has not ended has no late messages', () => {
    const sent = SentTable.from([message(1)]);
    const arrivals = ArrivalTable.from([{ receivedAt: 900, topic: 't/a', seq: 1 }]);
    const slices = new Slices(sent);
    const d = accountArrivals(sent, arrivals, Uint32Array.of(0), new Matcher(sent), slices, valueCheck(sent, {}));
    expect(attributeOutages([{ start: 0, end: null, kind: 'client', sources: ['replay'] }], sent, arrivals, d.firstArrival, slices)).toMatchObject([{ sent: 1, lost: 0, late: 0, on_time: 1 }]);
  });
});
