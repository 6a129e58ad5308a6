import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../../src/core/rules/engine.js';
import { PartitionKeys } from '../../../src/core/rules/partitions.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';

describe('partition keys: idle ones expire, the least recently seen go past the cap', () => {
  // [case, idle ms, max keys, touches [key, at], keys forgotten in order]
  const cases: Array<[string, number, number, Array<[string, number]>, string[]]> = [
    ['nothing idle, under the cap', 100, 10, [['a', 0], ['b', 50], ['a', 100]], []],
    ['idle for exactly the idle time: kept', 100, 10, [['a', 0], ['b', 100]], []],
    ['idle for longer: forgotten', 100, 10, [['a', 0], ['b', 101]], ['a']],
    ['a touch keeps a key young', 100, 10, [['a', 0], ['b', 60], ['a', 120], ['c', 170]], ['b']],
    ['over the cap: the least recently seen', 1000, 2, [['a', 0], ['b', 1], ['a', 2], ['c', 3]], ['b']],
    ['cap 1: each new key evicts the last', 1000, 1, [['a', 0], ['b', 1], ['c', 2]], ['a', 'b']],
  ];
  it.each(cases)('%s', (_name, idle, max, touches, expected) => {
    const forgotten: string[] = [];
    const keys = new PartitionKeys(idle, max, (k) => forgotten.push(k));
    for (const [key, at] of touches) keys.touch(key, at);
    expect(forgotten).toEqual(expected);
    expect(keys.evicted).toBe(expected.length);
  });
});

describe('the engine forgets idle partitions', () => {
  const rules = `
transforms:
  - subscribe: s/+
    window: { count: 10 }
    value: window.count
    publish: "n/{sensor}"`;
  const count = (e: RuleEngine, topic: string, at: number): string => {
    const [out] = e.handle({ topic, payload: '1', at });
    return out?.kind === 'publish' ? out.payload : '';
  };

  it('a sensor back after its idle time starts a new window; others are untouched', () => {
    const e = new RuleEngine(parseRules(rules, 'r.yaml'), { partitionIdleMs: 1000 });
    expect([count(e, 's/a', 0), count(e, 's/a', 10), count(e, 's/b', 500), count(e, 's/b', 1200), count(e, 's/a', 1300)]).toEqual(['1', '2', '1', '2', '1']);
    expect(e.stats.evicted).toBe(1);
    expect(e.partitionCount).toBe(2);
  });

  it('holds at most maxPartitions keys', () => {
    const e = new RuleEngine(parseRules(rules, 'r.yaml'), { maxPartitions: 100 });
    for (let i = 0; i < 1000; i++) count(e, `s/${i}`, i);
    expect(e.partitionCount).toBe(100);
    expect(e.stats.evicted).toBe(900);
  });

  it('never expires a key sooner than the rules\' longest within: a pending absence still fires', () => {
    const e = new RuleEngine(
      parseRules('rules:\n  - name: silent\n    events: { r: s/+ }\n    pattern: r not followed by r\n    within: 30s\n    by: sensor\n    do: { publish: { topic: "silent/{key}" } }', 'r.yaml'),
      { partitionIdleMs: 1000 },
    );
    e.handle({ topic: 's/a', payload: '1', at: 0 });
    e.handle({ topic: 's/b', payload: '1', at: 20_000 });
    expect(e.advance(30_001).map((x) => (x.kind === 'publish' ? x.topic : ''))).toEqual(['silent/a']);
  });
});
