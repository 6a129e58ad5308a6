import { describe, expect, it } from 'vitest';
import type { Variables } from '../../../src/core/expression/evaluate.js';
import { RuleEngine, type Emission, type LookupTables, type PublishEmission } from '../../../src/core/rules/engine.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';

function engine(yaml: string, tables: LookupTables = new Map(), warnings: string[] = []): RuleEngine {
  return new RuleEngine(parseRules(yaml, 'test.yaml'), { tables, onWarning: (m) => warnings.push(m) });
}

/** Feeds `[at, topic, payload]` in order (absences fire between arrivals and at `until`); returns what fired. */
function feed(e: RuleEngine, events: Array<[number, string, string]>, until?: number): PublishEmission[] {
  const out: Emission[] = [];
  for (const [at, topic, payload] of events) out.push(...e.handle({ topic, payload, at }));
  if (until !== undefined) out.push(...e.advance(until));
  return out.filter((x): x is PublishEmission => x.kind === 'publish');
}

const pattern = (text: string, within = '10s', extra = '') => `
rules:
  - name: p
    events: { a: "t/a", b: "t/b", c: "t/c" }
    pattern: ${text}
    within: ${within}
    ${extra}
    do: { publish: { topic: "out/{key}", payload: "{cause}" } }
`;

describe('transforms', () => {
  const sin = engine('transforms: [{ name: sin, subscribe: cep/x, value: sin(value), publish: cep/sin }]');

  it.each([
    ['1.5', '0.997495'],
    ['1266193804 2', '1266193804 0.909297'],
    ['1266193804.5 -1', '1266193804.5 -0.841471'],
  ])('keeps the format and the timestamp: %s → %s', (input, output) => {
    const [emission] = feed(sin, [[1000, 'cep/x', input]]);
    expect(emission).toMatchObject({ topic: 'cep/sin', payload: output, rule: 'sin' });
  });

  it('keeps seq, sensor, time and sent_at of a json reading and adds the cause', () => {
    const [emission] = feed(sin, [[5000, 'cep/x', '{"seq":7,"sensor":"s1","time":1700000000123,"value":0.5,"sent_at":1700000000200.5}']]);
    const json = JSON.parse(emission!.payload) as Record<string, unknown>;
    expect(json).toEqual({ seq: 7, sensor: 's1', time: 1700000000123, value: expect.any(Number), sent_at: 1700000000200.5, cause: ['cep/x#7'] });
    expect(json.value).toBeCloseTo(Math.sin(0.5), 12);
    expect(emission!.userProperties).toMatchObject({ seq: '7', sensor: 's1', time: '1700000000123', cause: 'cep/x#7' });
  });

  it('skips what it cannot read, with a warning, and carries on', () => {
    const warnings: string[] = [];
    const e = engine('transforms: [{ subscribe: cep/x, value: sin(value), publish: cep/sin }]', new Map(), warnings);
    expect(feed(e, [[1, 'cep/x', 'hello'], [2, 'cep/x', '{"value":"__proto__"}'], [3, 'cep/x', '0']]).map((x) => x.payload)).toEqual(['0']);
    expect(warnings[0]).toMatch(/transform "transform1": unknown variable "value"/);
    expect(e.stats).toMatchObject({ received: 3, errors: 2, emitted: 1 });
  });

  it('converts formats on request and computes a moving average per sensor', () => {
    const e = engine(`
transforms:
  - subscribe: s/+/c
    value: c_to_f(window.avg)
    window: { count: 2 }
    format: json
    publish: "s/{sensor}/f_avg"`);
    const out = feed(e, [
      [1, 's/a/c', '10'],
      [2, 's/b/c', '100'],
      [3, 's/a/c', '20'],
    ]);
    expect(out.map((x) => [x.topic, JSON.parse(x.payload).value])).toEqual([
      ['s/a/f_avg', 50],
      ['s/b/f_avg', 212],
      ['s/a/f_avg', 59],
    ]);
  });
});

describe('ECA patterns fire exactly when they should', () => {
  // [description, pattern, within (ms), events, absences checked at, expected causes]
  const cases: Array<[string, string, Array<[number, string, string]>, number | undefined, string[]]> = [
    ['then: A then B', 'a then b', [[0, 't/a', '1'], [5000, 't/b', '2']], undefined, ['t/a@0 t/b@5000']],
    ['then: B before A does not count', 'a then b', [[0, 't/b', '1'], [1000, 't/a', '2']], undefined, []],
    ['then: too late', 'a then b', [[0, 't/a', '1'], [10_001, 't/b', '2']], undefined, []],
    ['then: at the window edge', 'a then b', [[0, 't/a', '1'], [10_000, 't/b', '2']], undefined, ['t/a@0 t/b@10000']],
    ['then: a new A restarts', 'a then b', [[0, 't/a', '1'], [3000, 't/a', '2'], [12_000, 't/b', '3']], undefined, ['t/a@3000 t/b@12000']],
    ['then: a match is consumed', 'a then b', [[0, 't/a', '1'], [1000, 't/b', '2'], [2000, 't/b', '3']], undefined, ['t/a@0 t/b@1000']],
    ['then: three steps in order', 'a then b then c', [[0, 't/a', '1'], [1, 't/c', '1'], [2, 't/b', '1'], [3, 't/c', '1']], undefined, ['t/a@0 t/b@2 t/c@3']],
    ['and: either order', 'a and b', [[0, 't/b', '1'], [4000, 't/a', '2']], undefined, ['t/a@4000 t/b@0']],
    ['and: both orders, twice', 'a and b', [[0, 't/a', '1'], [1, 't/b', '1'], [2, 't/b', '1'], [3, 't/a', '1']], undefined, ['t/a@0 t/b@1', 't/a@3 t/b@2']],
    ['and: too far apart', 'a and b', [[0, 't/a', '1'], [10_001, 't/b', '2']], undefined, []],
    ['and: the latest of each', 'a and b', [[0, 't/a', '1'], [9000, 't/a', '2'], [15_000, 't/b', '3']], undefined, ['t/a@9000 t/b@15000']],
    ['absence: A alone fires after the window', 'a not followed by b', [[0, 't/a', '1']], 10_001, ['t/a@0']],
    ['absence: not before the window ends', 'a not followed by b', [[0, 't/a', '1']], 9999, []],
    ['absence: B within the window cancels', 'a not followed by b', [[0, 't/a', '1'], [9000, 't/b', '1']], 30_000, []],
    ['absence: B after the window is too late', 'a not followed by b', [[0, 't/a', '1'], [10_500, 't/b', '1']], 30_000, ['t/a@0']],
    ['absence: each A waits on its own', 'a not followed by b', [[0, 't/a', '1'], [5000, 't/a', '1']], 30_000, ['t/a@0', 't/a@5000']],
    ['absence: a B cancels every earlier A', 'a not followed by b', [[0, 't/a', '1'], [5000, 't/a', '1'], [6000, 't/b', '1']], 30_000, []],
  ];

  it.each(cases)('%s', (_name, text, events, until, expected) => {
    const e = engine(pattern(text));
    expect(feed(e, events, until).map((x) => x.payload)).toEqual(expected);
  });

  it('an absence fires as soon as a later arrival shows its window is over', () => {
    const e = engine(pattern('a not followed by b'));
    expect(feed(e, [[0, 't/a', '1'], [20_000, 't/c', '1']]).map((x) => x.payload)).toEqual(['t/a@0']);
    expect(e.nextDeadline()).toBeUndefined();
  });

  it('reports the next absence deadline', () => {
    const e = engine(pattern('a not followed by b'));
    feed(e, [[100, 't/a', '1'], [50, 't/a', '1']]);
    expect(e.nextDeadline()).toBe(10_100);
  });

  it('partitions by key: A and B of different sensors do not match', () => {
    const e = engine(`
rules:
  - name: p
    events: { a: "a/+", b: "b/+" }
    pattern: a then b
    within: 10s
    by: sensor
    do: { publish: { topic: "out/{key}" } }`);
    expect(feed(e, [[0, 'a/s1', '1'], [1, 'b/s2', '1'], [2, 'b/s1', '1']]).map((x) => x.topic)).toEqual(['out/s1']);
  });

  it('filters each event with its own condition and the match with the rule condition', () => {
    const e = engine(pattern('a then b', '10s', 'when: b.value > a.value').replace('a: "t/a"', 'a: { topic: "t/a", when: "value > 0" }'));
    expect(
      feed(e, [
        [0, 't/a', '-1'], // filtered out: no A
        [1, 't/b', '5'],
        [2, 't/a', '3'],
        [3, 't/b', '2'], // consumed, condition false
        [4, 't/a', '3'],
        [5, 't/b', '4'],
      ]).map((x) => x.payload),
    ).toEqual(['t/a@4 t/b@5']);
  });

  it('a sensor gone silent: the same event is both A and B', () => {
    const e = engine(`
rules:
  - name: silent
    events: { r: "s/+" }
    pattern: r not followed by r
    within: 10s
    by: sensor
    do: { publish: { topic: "silent/{sensor}", payload: "{r.value}" } }`);
    expect(feed(e, [[0, 's/x', '1'], [5000, 's/x', '2'], [9000, 's/y', '7'], [14_000, 's/x', '3']], 40_000).map((x) => `${x.topic}=${x.payload}`)).toEqual(['silent/y=7', 'silent/x=3']);
  });
});

describe('conditions on separate data', () => {
  const yaml = `
data:
  limits: { file: limits.csv, key: sensor }
  mode: { topic: home/mode }
rules:
  - name: hot
    on: s/+
    when: value > limits.high and mode.payload == "armed"
    do: { publish: { topic: "hot/{sensor}", json: { v: value, limit: limits.high } } }`;
  const limits = (rows: Record<string, number>): LookupTables =>
    new Map([['limits', new Map<string, Variables>(Object.entries(rows).map(([k, high]) => [k, { sensor: k, high }]))]]);

  it('the lookup table changes the decision', () => {
    const events: Array<[number, string, string]> = [[0, 'home/mode', 'armed'], [1, 's/a', '50'], [2, 's/b', '50']];
    expect(feed(engine(yaml, limits({ a: 40, '*': 60 })), events).map((x) => x.topic)).toEqual(['hot/a']);
    expect(feed(engine(yaml, limits({ a: 60, '*': 40 })), events).map((x) => x.topic)).toEqual(['hot/b']);
  });

  it('the last value of another topic changes the decision', () => {
    const e = engine(yaml, limits({ '*': 10 }));
    const out = feed(e, [[0, 's/a', '50'], [1, 'home/mode', 'armed'], [2, 's/a', '51'], [3, 'home/mode', 'off'], [4, 's/a', '52']]);
    expect(out.map((x) => JSON.parse(x.payload))).toEqual([{ rule: 'hot', v: 51, limit: 10, cause: ['s/a@2'] }]);
  });

  it('replacing a table at run time takes effect at once', () => {
    const e = engine(yaml, limits({ '*': 100 }));
    feed(e, [[0, 'home/mode', 'armed']]);
    expect(feed(e, [[1, 's/a', '50']])).toEqual([]);
    e.setTable('limits', new Map([['a', { high: 1 }]]));
    expect(feed(e, [[2, 's/a', '50']])).toHaveLength(1);
  });
});

describe('state and hysteresis', () => {
  it('raises once above the high limit and clears once below the low one', () => {
    const e = engine(`
state: { hot: false }
rules:
  - name: up
    on: s/+
    when: not state.hot and value > 50
    do: [ { publish: { topic: "alert/{sensor}", payload: "hot" } }, { set: { hot: true } } ]
  - name: down
    on: s/+
    when: state.hot and value < 45
    do: [ { publish: { topic: "alert/{sensor}", payload: "ok" } }, { set: { hot: false } } ]`);
    const values = [40, 51, 52, 49, 51, 46, 44, 48, 51];
    const out = feed(e, values.map((v, i) => [i, 's/x', String(v)] as [number, string, string]));
    expect(out.map((x) => `${x.payload}@${x.cause[0]}`)).toEqual(['hot@s/x@1', 'ok@s/x@6', 'hot@s/x@8']);
    expect(feed(e, [[9, 's/y', '51']]).map((x) => x.topic)).toEqual(['alert/y']);
  });

  it('writes CSV rows with the rule, the time and the cause', () => {
    const e = engine('rules: [{ name: log, on: s/+, do: { csv: { file: out.csv, columns: { sensor: sensor, double: value * 2 } } } }]');
    expect(e.handle({ topic: 's/q', payload: '{"seq":3,"value":4}', at: 12.5 })).toEqual([
      { kind: 'csv', rule: 'log', at: 12.5, file: 'out.csv', columns: ['at', 'rule', 'sensor', 'double', 'cause'], row: [12.5, 'log', 'q', 8, 's/q#3'], cause: ['s/q#3'] },
    ]);
  });

  it('skips retained messages for events unless asked, but keeps them as data', () => {
    const e = engine('data: { m: { topic: mode } }\nrules: [{ on: s, when: m.payload == "on", do: { publish: { topic: o } } }]');
    expect(e.handle({ topic: 'mode', payload: 'on', at: 0, retain: true })).toEqual([]);
    expect(e.handle({ topic: 's', payload: '1', at: 1, retain: true })).toEqual([]);
    expect(e.handle({ topic: 's', payload: '1', at: 2 })).toHaveLength(1);
  });

  it('subscribes to each filter once at the highest QoS asked for', () => {
    const e = engine('rules: [{ on: a/+, qos: 1, do: { publish: { topic: o } } }, { on: a/+, qos: 2, do: { publish: { topic: p } } }, { on: b, do: { publish: { topic: q } } }]');
    expect(e.subscriptions()).toEqual([
      { filter: 'a/+', qos: 2 },
      { filter: 'b', qos: 0 },
    ]);
  });
});

describe('default sensor names', () => {
  it.each([
    ['s/+/t', 's/hdd0/t', '1', 'hdd0'],
    ['s/#', 's/a/b', '1', 'a/b'],
    ['s/#', 's', '1', 's'],
    ['s/+', 's/x', '{"sensor":"from-payload","value":1}', 'from-payload'],
    ['plain', 'plain', '1', 'plain'],
  ])('%s on %s (%s) → %s', (filter, topic, payload, sensor) => {
    const e = engine(`rules: [{ on: "${filter}", do: { publish: { topic: o, payload: "{sensor}" } } }]`);
    expect(feed(e, [[0, topic, payload]]).map((x) => x.payload)).toEqual([sensor]);
  });
});
