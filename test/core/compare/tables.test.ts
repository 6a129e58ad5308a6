import { describe, expect, it } from 'vitest';
import { ArrivalTable, NO_QOS, type Arrival } from '../../../src/core/compare/arrival-table.js';
import { NameTable } from '../../../src/core/compare/name-table.js';
import { SentTable, type SentMessage } from '../../../src/core/compare/sent-table.js';
import { SeqIndex } from '../../../src/core/compare/seq-index.js';
import { TimeIndex } from '../../../src/core/compare/time-index.js';

const message = (seq: number, extra: Partial<SentMessage> = {}): SentMessage => ({ seq, sensor: 'a', topic: 't/a', qos: 1, profileTime: 1000 * seq, value: seq / 10, ...extra });

describe('NameTable', () => {
  it('numbers names in order of first use; find() does not add', () => {
    const names = new NameTable();
    expect([names.id('x'), names.id('y'), names.id('x'), names.find('z'), names.find('y')]).toEqual([0, 1, 0, -1, 1]);
    expect(names.names).toEqual(['x', 'y']);
  });
});

describe('SentTable', () => {
  it('round-trips messages through its columns past the first growth, absent times included', () => {
    const messages = Array.from({ length: 3000 }, (_, i) => message(i + 1, i % 2 ? { plannedAt: i, publishedAt: i + 0.5 } : { sensor: 'b', topic: 't/b', qos: 0 }));
    const table = SentTable.from(messages);
    expect(table.length).toBe(3000);
    expect(table.toArray()).toEqual(messages);
    expect(SentTable.fromColumns(table.toColumns()).toArray()).toEqual(messages);
  });

  it.each([
    [{ plannedAt: 5, publishedAt: 7 }, 5],
    [{ publishedAt: 7 }, 7],
    [{}, 3000],
  ])('sendTime of %j is %d (planned, else published, else profile time)', (times, expected) => {
    expect(SentTable.from([message(3, times)]).sendTime(0)).toBe(expected);
  });
});

describe('ArrivalTable', () => {
  it('round-trips arrivals, keeping absent fields absent', () => {
    const arrivals: Arrival[] = [
      { receivedAt: 1, topic: 't/a' },
      { receivedAt: 2, topic: 't/b', qos: 0, dup: true, seq: 4, sensor: 'b', profileTime: 9, value: 1.5, publishedAt: 1.9 },
    ];
    const table = ArrivalTable.from(arrivals);
    expect(table.toArray()).toEqual(arrivals);
    expect([table.qos[0], table.sensor(0), table.sensor(1)]).toEqual([NO_QOS, undefined, 'b']);
  });
});

describe('SeqIndex', () => {
  it.each([
    ['dense (1, 2, 3 ...)', [1, 2, 3, 2], [[2, 1], [3, 2], [4, -1], [0, -1], [2.5, -1]]],
    ['sparse', [1, 1e12, 7], [[1e12, 1], [7, 2], [8, -1]]],
    ['fractional', [0.5, 1.5], [[1.5, 1], [1, -1]]],
  ] as const)('%s: the first message with a seq, -1 for none', (_, seqs, lookups) => {
    const index = new SeqIndex(SentTable.from(seqs.map((seq) => message(seq))));
    for (const [seq, expected] of lookups) expect(index.get(seq)).toBe(expected);
  });
});

describe('TimeIndex', () => {
  it('takes the first undelivered message of a name at a time (rounded to the ms), else the first', () => {
    // Out of time order on purpose: the index sorts per name, ties by input order.
    const sent = SentTable.from([message(1, { profileTime: 2000 }), message(2, { profileTime: 1000 }), message(3, { profileTime: 1000 }), message(4, { topic: 't/b', profileTime: 1000 })]);
    const index = new TimeIndex(sent, (i) => sent.topicId[i]!);
    const delivered = new Uint8Array(sent.length);
    const topic = sent.names.find('t/a');
    expect(index.take(topic, 1000.4, delivered)).toBe(1);
    delivered[1] = 1;
    expect(index.take(topic, 999.6, delivered)).toBe(2);
    delivered[2] = 1;
    expect(index.take(topic, 1000, delivered)).toBe(1);
    expect([index.take(topic, 2000, delivered), index.take(topic, 3000, delivered), index.take(-1, 1000, delivered)]).toEqual([0, -1, -1]);
    expect(index.take(sent.names.find('t/b'), 1000, delivered)).toBe(3);
  });
});
