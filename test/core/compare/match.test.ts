import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyse, computeReport, type Arrival, type SentMessage } from '../../../src/core/compare/report.js';
import { Matcher } from '../../../src/core/compare/match.js';

const sent = (seq: number, extra: Partial<SentMessage> = {}): SentMessage => ({ seq, sensor: 'a', topic: 't/a', qos: 1, profileTime: 1000 * seq, value: seq, plannedAt: 10_000 + seq * 100, publishedAt: 10_000 + seq * 100, ...extra });
const got = (seq: number, at: number, extra: Partial<Arrival> = {}): Arrival => ({ receivedAt: at, topic: 't/a', seq, value: seq, ...extra });

describe('Matcher', () => {
  it('matches by seq; an unknown seq is unexpected and not re-matched by time', () => {
    const m = new Matcher([sent(1), sent(2)]);
    expect(m.match({ receivedAt: 0, topic: 't/a', seq: 2 })).toBe(1);
    expect(m.match({ receivedAt: 0, topic: 't/a', seq: 9, profileTime: 1000 })).toBe(-1);
    expect([m.rule, m.counts.by_seq, m.counts.by_topic_time]).toEqual(['seq', 1, 0]);
  });

  it('without seq: (topic, time to the ms), then (sensor, time); repeated keys are taken in order', () => {
    const m = new Matcher([sent(1, { profileTime: 5000 }), sent(2, { profileTime: 5000 }), sent(3, { topic: 'x', sensor: 's3', profileTime: 7000 })]);
    expect(m.match({ receivedAt: 0, topic: 't/a', profileTime: 5000.4 })).toBe(0);
    expect(m.match({ receivedAt: 0, topic: 't/a', profileTime: 5000 })).toBe(1);
    // Both delivered: a third copy is a duplicate of the first.
    expect(m.match({ receivedAt: 0, topic: 't/a', profileTime: 5000 })).toBe(0);
    expect(m.match({ receivedAt: 0, topic: 'other', sensor: 's3', profileTime: 7000 })).toBe(2);
    expect(m.match({ receivedAt: 0, topic: 't/a' })).toBe(-1); // nothing to match on
    expect([m.rule, m.counts.by_seq, m.counts.by_topic_time, m.counts.by_sensor_time]).toEqual(['topic+time', 0, 3, 1]);
  });
});

describe('analyse', () => {
  it('counts duplicates, reordering per topic, mismatches and unexpected arrivals', () => {
    const s = [sent(1), sent(2), sent(3), sent(4), sent(5, { topic: 't/b', sensor: 'b', qos: 0 })];
    const arrivals = [
      got(2, 10_300), // arrives before 1: seq 1 is then out of order
      got(1, 10_301),
      got(1, 10_302), // duplicate
      got(5, 10_250, { topic: 't/b' }), // earliest of all, other topic: not out of order for t/a
      got(3, 10_400, { value: 3.5 }), // value mismatch
      { receivedAt: 10_500, topic: 'noise', value: 1 }, // unexpected
    ];
    const r = computeReport(s, arrivals);
    expect([r.sent, r.received, r.delivered, r.lost, r.duplicates, r.out_of_order, r.unexpected, r.value_mismatches, r.late]).toEqual([5, 6, 4, 1, 1, 1, 1, 1, 0]);
    expect(r.by_qos['0']!.delivered).toBe(1);
    expect(r.by_sensor.a!.lost).toBe(1);
    // Latency: first arrival − published_at: 1→201, 2→100, 3→100, 5→-250 (clock skew shows as negative, not hidden)
    expect(r.latency_ms).toMatchObject({ count: 4, p50: 100, max: 201 });
    expect(r.sent_span).toEqual({ first: 10_100, last: 10_500 });
  });

  it('late: sent inside an outage and first arrived at or after its end; lost inside it counted there', () => {
    const s = [sent(1), sent(2), sent(3), sent(4)]; // sent at 10_100 .. 10_400
    const events = [
      { at: 10_150, source: 'broker', event: 'broker_stop' as const },
      { at: 10_350, source: 'broker', event: 'broker_start' as const },
    ];
    const arrivals = [got(1, 10_101), got(2, 10_349.9), got(4, 10_401)]; // 2 before the end: on time; 3 lost
    const r = computeReport(s, arrivals, events);
    expect(r.outages).toEqual([{ start: 10_150, end: 10_350, kind: 'broker', sources: ['broker'], sent: 2, lost: 1, late: 0, on_time: 1 }]);
    const r2 = computeReport(s, [got(1, 10_101), got(2, 10_350), got(3, 20_000)], events);
    expect(r2.outages[0]).toMatchObject({ sent: 2, lost: 0, late: 2, on_time: 0 });
    expect(r2.late).toBe(2);
  });

  it('uses the payload send time for latency when the sent side has none (bare profile)', () => {
    const r = computeReport([sent(1, { plannedAt: undefined, publishedAt: undefined })], [got(1, 500, { publishedAt: 480 })]);
    expect(r.latency_ms.p50).toBe(20);
  });

  it('property: received = delivered + duplicates + unexpected, sent = delivered + lost, whatever the arrivals', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ seq: fc.integer({ min: 1, max: 30 }), at: fc.integer({ min: 0, max: 1000 }) }), { maxLength: 60 }), (picks) => {
        const s = Array.from({ length: 20 }, (_, i) => sent(i + 1));
        const arrivals = picks.map((p) => got(p.seq, p.at));
        const { report: r, detail } = analyse(s, arrivals);
        expect(r.received).toBe(r.delivered + r.duplicates + r.unexpected);
        expect(r.sent).toBe(r.delivered + r.lost);
        expect(r.unexpected).toBe(picks.filter((p) => p.seq > 20).length);
        expect(r.delivered).toBe(new Set(picks.filter((p) => p.seq <= 20).map((p) => p.seq)).size);
        expect(r.out_of_order).toBeLessThanOrEqual(r.delivered);
        expect(detail.firstArrival.filter((i) => i >= 0).length).toBe(r.delivered);
      }),
    );
  });
});

/** The matcher as first written (string keys, lists per key): the typed-array index must agree. */
function referenceMatches(sentList: SentMessage[], arrivals: Arrival[], byTimeAlone: boolean): number[] {
  const key = (prefix: string, t: number) => `${prefix}\u0000${Math.round(t)}`;
  const maps = [new Map<string, number[]>(), new Map<string, number[]>(), new Map<string, number[]>()];
  sentList.forEach((s, i) => {
    for (const [m, k] of [[maps[0]!, key(s.topic, s.profileTime)], [maps[1]!, key(s.sensor, s.profileTime)], [maps[2]!, key('', s.profileTime)]] as const) m.set(k, [...(m.get(k) ?? []), i]);
  });
  const delivered = new Set<number>();
  const take = (list: number[] | undefined) => (list ? (list.find((i) => !delivered.has(i)) ?? list[0]!) : -1);
  return arrivals.map((a) => {
    if (a.profileTime === undefined) return -1;
    let index = take(maps[0]!.get(key(a.topic, a.profileTime)));
    if (index < 0 && a.sensor !== undefined) index = take(maps[1]!.get(key(a.sensor, a.profileTime)));
    if (index < 0 && byTimeAlone) index = take(maps[2]!.get(key('', a.profileTime)));
    if (index >= 0) delivered.add(index);
    return index;
  });
}

describe('Matcher by time', () => {
  it('agrees with the string-keyed matcher on any messages, in any order, with repeated keys', () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const time = fc.constantFrom(1000, 1000.4, 1000.6, 2000, 3000.5, -0.4);
    fc.assert(
      fc.property(
        fc.array(fc.record({ topic: name, sensor: name, profileTime: time }), { maxLength: 12 }),
        fc.array(fc.record({ topic: name, sensor: fc.option(name, { nil: undefined }), profileTime: fc.option(time, { nil: undefined }) }), { maxLength: 16 }),
        fc.boolean(),
        (rows, got, byTimeAlone) => {
          const sentList = rows.map((r, i) => ({ seq: i + 1, qos: 0 as const, value: i, ...r }));
          const arrivals: Arrival[] = got.map((g, i) => ({ receivedAt: i, topic: g.topic, ...(g.sensor === undefined ? {} : { sensor: g.sensor }), ...(g.profileTime === undefined ? {} : { profileTime: g.profileTime }) }));
          const m = new Matcher(sentList, { byTimeAlone });
          expect(arrivals.map((a) => m.match(a))).toEqual(referenceMatches(sentList, arrivals, byTimeAlone));
        },
      ),
      { numRuns: 500 },
    );
  });
});
