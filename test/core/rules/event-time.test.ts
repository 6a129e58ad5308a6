import { describe, expect, it } from 'vitest';
import { RuleEngine, type Emission } from '../../../src/core/rules/engine.js';
import { EventTimeQueue } from '../../../src/core/rules/event-time.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';

/** Feeds event times in arrival order; returns per offer [late?, released times], then what flush() releases. */
function run(latenessMs: number, times: number[]): { steps: Array<string>; flushed: number[] } {
  const queue = new EventTimeQueue<number>(latenessMs);
  const steps = times.map((t) => (queue.isLate(t) ? `${t}:late` : `${t}:[${queue.offer(t, t).map((r) => r.time).join(',')}]`));
  return { steps, flushed: queue.flush().map((r) => r.time) };
}

describe('the watermark: held, released in time order, late before it', () => {
  // [case, lateness (ms), event times in arrival order, per event: late or what it released, what flush() releases]
  const cases: Array<[string, number, number[], string[], number[]]> = [
    ['in order, lateness 0: each released at once', 0, [1, 2, 3], ['1:[1]', '2:[2]', '3:[3]'], []],
    ['out of order, lateness 0: the older one is late', 0, [1, 3, 2], ['1:[1]', '3:[3]', '2:late'], []],
    ['equal timestamps, lateness 0: the second is exactly at the watermark, on time', 0, [5, 5, 5], ['5:[5]', '5:[5]', '5:[5]'], []],
    ['an event exactly at the watermark is on time, one before it late', 10, [100, 90, 89], ['100:[]', '90:[90]', '89:late'], [100]],
    ['out of order within the lateness: sorted', 10, [100, 95, 98, 111], ['100:[]', '95:[]', '98:[]', '111:[95,98,100]'], [111]],
    ['equal times keep arrival order among themselves', 5, [10, 10, 12, 20], ['10:[]', '10:[]', '12:[]', '20:[10,10,12]'], [20]],
    ['the watermark never goes back', 10, [100, 50, 101], ['100:[]', '50:late', '101:[]'], [100, 101]],
    ['a late event after a release: before the watermark', 10, [100, 120, 109, 110], ['100:[]', '120:[100]', '109:late', '110:[110]'], [120]],
  ];
  it.each(cases)('%s', (_name, lateness, times, steps, flushed) => {
    expect(run(lateness, times)).toEqual({ steps, flushed });
  });

  it('releases the oldest early past its memory bound', () => {
    const queue = new EventTimeQueue<number>(1000, 2);
    expect(queue.offer(1, 1)).toEqual([]);
    expect(queue.offer(2, 2)).toEqual([]);
    expect(queue.offer(3, 3).map((r) => r.time)).toEqual([1]);
    expect(queue.heldCount).toBe(2);
  });
});

/** Readings' times are epoch ms (decodeReading takes small numbers for seconds): offsets from T. */
const T = 1_700_000_000_000;
const json = (seq: number, time: number, value: number): string => JSON.stringify({ seq, sensor: 's', time: T + time, value });

function engine(yaml: string): RuleEngine {
  return new RuleEngine(parseRules(yaml, 'test.yaml'));
}

/** Feeds [arrival, seq, event time, value] as json on t/s, then flushes. */
function feed(e: RuleEngine, events: Array<[number, number, number, number]>): Emission[] {
  const out: Emission[] = [];
  for (const [at, seq, time, value] of events) out.push(...e.handle({ topic: 't/s', payload: json(seq, time, value), at: T + at }));
  out.push(...e.flush());
  return out;
}

const summary = (out: Emission[]): string[] =>
  out.map((x) => {
    if (x.kind === 'late') return `drop#${x.cause.join()}`;
    if (x.kind === 'csv') return `csv:${x.row.join()}`;
    const body = JSON.parse(x.payload) as { seq?: number; value?: number };
    return `${x.late ?? ''}${x.topic}#${body.seq}=${body.value}`;
  });

const avg = (time: string, extra = '') => `
transforms:
  - name: avg
    subscribe: t/+
    window: { duration: 10s }
    value: window.avg
    publish: out/avg
    ${time}
    ${extra}`;

describe('event-time windows against arrival-time windows', () => {
  // A reading a second for 3 s, a 20 s outage, then the queued readings in a burst at arrival 25 000.
  const burst: Array<[number, number, number, number]> = [
    [1000, 1, 1000, 10],
    [2000, 2, 2000, 10],
    [3000, 3, 3000, 10],
    [25_000, 4, 14_000, 40],
    [25_001, 5, 15_000, 40],
    [25_002, 6, 24_500, 70],
  ];

  it('arrival time mixes readings from different windows; event time does not', () => {
    expect(summary(feed(engine(avg('')), burst))).toEqual(['out/avg#1=10', 'out/avg#2=10', 'out/avg#3=10', 'out/avg#4=40', 'out/avg#5=40', 'out/avg#6=50']);
    expect(summary(feed(engine(avg('time: event')), burst))).toEqual(['out/avg#1=10', 'out/avg#2=10', 'out/avg#3=10', 'out/avg#4=40', 'out/avg#5=40', 'out/avg#6=55']);
  });

  it('with lateness, out-of-order readings are windowed in time order', () => {
    const out = feed(engine(avg('time: event', 'lateness: 5s')), [
      [1, 1, 1000, 1],
      [2, 3, 3000, 3],
      [3, 2, 2000, 2],
      [4, 4, 9000, 9],
    ]);
    // Released when the watermark (newest − 5 s) passes them: 1, 2, 3 at 9000's arrival; 9 at the flush.
    expect(summary(out)).toEqual(['out/avg#1=1', 'out/avg#2=1.5', 'out/avg#3=2', 'out/avg#4=3.75']);
  });

  // [policy, extra fields, expected]
  const policies: Array<[string, string, string[], { dropped: number; corrected: number; routed: number }]> = [
    ['drop (the default)', '', ['out/avg#1=1', 'out/avg#3=2', 'drop#t/s#2'], { dropped: 1, corrected: 0, routed: 0 }],
    ['correct', 'late: correct', ['out/avg#1=1', 'out/avg#3=2', 'correctionout/avg#2=1.5'], { dropped: 0, corrected: 1, routed: 0 }],
    ['route', 'late: route\n    late_topic: late/{sensor}', ['out/avg#1=1', 'out/avg#3=2', 'routedlate/s#2=2'], { dropped: 0, corrected: 0, routed: 1 }],
  ];
  it.each(policies)('a late reading, policy %s', (_name, extra, expected, late) => {
    const e = engine(avg('time: event', extra));
    const out = feed(e, [
      [1, 1, 1000, 1],
      [2, 3, 3000, 3],
      [3, 2, 2000, 2],
    ]);
    expect(summary(out)).toEqual(expected);
    expect(e.stats.late).toEqual(late);
  });

  it('a correction says so in its json payload and its user properties', () => {
    const out = feed(engine(avg('time: event', 'late: correct')), [
      [1, 1, 1000, 1],
      [2, 3, 3000, 3],
      [3, 2, 2000, 2],
    ]);
    const correction = out[2]!;
    // Stamped when it was emitted (the late reading's arrival), not with the reading's own time.
    expect(correction.at).toBe(T + 3);
    expect(out[1]!.at).toBe(T + 2);
    expect(correction).toMatchObject({ kind: 'publish', late: 'correction', userProperties: { correction: 'true', seq: '2' } });
    expect(JSON.parse((correction as { payload: string }).payload)).toMatchObject({ seq: 2, correction: true });
  });
});

describe('event-time patterns and absences', () => {
  const silent = (time: string) => `
rules:
  - name: silent
    events: { r: t/+ }
    pattern: r not followed by r
    within: 30s
    by: sensor
    ${time}
    do: { publish: { topic: "silent/{key}", json: { seq: r.seq } } }`;

  it('after an outage, queued readings that were sent on time raise no "silent" alert in event time', () => {
    // Sent every 10 s; the broker held 20 s to 50 s back, delivered at 80 s.
    const events: Array<[number, number, number, number]> = [
      [0, 1, 0, 1],
      [10_000, 2, 10_000, 1],
      [80_000, 3, 20_000, 1],
      [80_001, 4, 30_000, 1],
      [80_002, 5, 40_000, 1],
      [80_003, 6, 50_000, 1],
    ];
    const arrival = engine(silent(''));
    const fired: Emission[] = [];
    for (const [at, seq, time, value] of events) fired.push(...arrival.advance(T + at), ...arrival.handle({ topic: 't/s', payload: json(seq, time, value), at: T + at }));
    expect(summary(fired)).toEqual(['silent/s#2=undefined']);
    const eventTime = engine(silent('time: event'));
    expect(feed(eventTime, events).filter((x) => x.kind === 'publish')).toEqual([]);
    expect(eventTime.nextDeadline()).toBeUndefined();
  });

  it('fires on the watermark when a reading really is missing', () => {
    const out = feed(engine(silent('time: event')), [
      [0, 1, 0, 1],
      [1, 2, 10_000, 1],
      [2, 3, 41_000, 1],
    ]);
    expect(summary(out)).toEqual(['silent/s#2=undefined']);
  });

  it('within is measured on event times', () => {
    const rules = (time: string) => `
rules:
  - name: pair
    events: { a: t/a, b: t/b }
    pattern: a then b
    within: 5s
    ${time}
    do: { publish: { topic: out, payload: "{a.seq}-{b.seq}" } }`;
    const messages: Array<[number, string, string]> = [
      [0, 't/a', json(1, 0, 1)],
      [20_000, 't/b', json(2, 4000, 1)],
    ];
    const fire = (e: RuleEngine): string[] => messages.flatMap(([at, topic, payload]) => e.handle({ topic, payload, at: T + at })).map((x) => (x.kind === 'publish' ? x.payload : ''));
    expect(fire(engine(rules('')))).toEqual([]);
    expect(fire(engine(rules('time: event')))).toEqual(['1-2']);
  });
});

describe('event time in the rules file', () => {
  const base = 'transforms:\n  - subscribe: a\n    value: value\n    publish: b\n';
  it('reads time, lateness, late and late_topic', () => {
    const set = parseRules(`${base}    time: event\n    lateness: 2s\n    late: route\n    late_topic: "late/{sensor}"`, 'r.yaml');
    expect(set.rules[0]!.eventTime).toMatchObject({ latenessMs: 2000, late: 'route', lateTopic: { source: 'late/{sensor}' } });
    expect(parseRules(`${base}    time: event`, 'r.yaml').rules[0]!.eventTime).toEqual({ latenessMs: 0, late: 'drop' });
    expect(parseRules(`${base}    time: arrival`, 'r.yaml').rules[0]!.eventTime).toBeUndefined();
  });

  it.each([
    [`${base}    time: wall`, /^r\.yaml:5: transform "transform1", time: expected "arrival" \(when the message came, the default\) or "event"/],
    [`${base}    lateness: 2s`, /^r\.yaml:5: transform "transform1", lateness: goes with "time: event"/],
    [`${base}    time: event\n    lateness: soon`, /^r\.yaml:6: transform "transform1", lateness: expected a duration like/],
    [`${base}    time: event\n    late: ignore`, /^r\.yaml:6: transform "transform1", late: expected "drop", "correct" or "route"/],
    [`${base}    time: event\n    late: route`, /^r\.yaml:2: transform "transform1", late_topic: is required with "late: route"/],
    [`${base}    time: event\n    late_topic: x`, /^r\.yaml:6: transform "transform1", late_topic: goes with "late: route"/],
    [`${base}    time: event\n    late: route\n    late_topic: "x/#"`, /^r\.yaml:7: transform "transform1", late_topic: .*wildcard/],
    ['rules:\n  - on: a\n    late: drop\n    do: { publish: { topic: o } }', /^r\.yaml:3: rule "rule1", late: goes with "time: event"/],
  ])('rejects %j', (text, message) => {
    expect(() => parseRules(text, 'r.yaml')).toThrow(message);
  });
});
