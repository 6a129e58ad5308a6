import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../../src/core/rules/rule-set.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';

const ok = (text: string) => parseRules(text, 'r.yaml');
const fails = (text: string): string => {
  try {
    parseRules(text, 'r.yaml');
  } catch (error) {
    expect(error).toMatchObject({ code: 'E_INPUT', exitCode: 2 });
    return (error as Error).message;
  }
  throw new Error('expected the rules to be rejected');
};

describe('rules file validation', () => {
  it('compiles a transform and a rule', () => {
    const set = ok(`
name: demo
transforms:
  - { name: sin, subscribe: cep/x, value: sin(value), publish: cep/sin }
rules:
  - name: hot
    on: sensors/+/t
    when: value > 50
    do: { publish: { topic: "alerts/{sensor}", qos: 1 } }
`);
    expect(set.name).toBe('demo');
    expect(set.rules.map((r) => [r.kind, r.name, r.events[0]!.filter])).toEqual([
      ['transform', 'sin', 'cep/x'],
      ['rule', 'hot', 'sensors/+/t'],
    ]);
    expect(set.rules[1]!.actions[0]).toMatchObject({ kind: 'publish', qos: 1, retain: false });
  });

  it.each([
    ['then', 'a then b then c', { kind: 'then', steps: [0, 1, 2] }],
    ['and', 'c and a', { kind: 'and', steps: [2, 0] }],
    ['absence', 'a not followed by b', { kind: 'absent', steps: [0, 1] }],
  ])('reads a %s pattern', (_name, pattern, expected) => {
    const set = ok(`
rules:
  - name: p
    events: { a: x/a, b: { topic: x/b, when: value > 1 }, c: x/c }
    pattern: ${pattern}
    within: 1.5s
    do: { publish: { topic: out } }
`);
    expect(set.rules[0]!.pattern).toEqual({ ...expected, withinMs: 1500 });
  });

  it('accepts JSON too', () => {
    expect(ok('{"transforms": [{"subscribe": "a", "value": "value * 2", "publish": "b"}]}').rules[0]!.name).toBe('transform1');
  });

  // Each bad file names the file, the line, the rule and the field.
  it.each([
    ['transforms:\n  - { subscribe: a, value: "sin(", publish: b }', /^r\.yaml:2: transform "transform1", value: unexpected end of expression/],
    ['rules:\n  - name: hot\n    on: a/#/b\n    do: { publish: { topic: b } }', /^r\.yaml:3: rule "hot", on: "#" must be a whole level and the last one \(found "a\/#\/b"\)/],
    ['rules:\n  - name: hot\n    on: a\n    when: value >> 1\n    do: { publish: { topic: b } }', /^r\.yaml:4: rule "hot", when: unexpected ">"/],
    ['rules:\n  - name: hot\n    on: a\n    whenn: value > 1\n    do: { publish: { topic: b } }', /^r\.yaml:4: rules\[1\]: unknown field "whenn"/],
    ['rules:\n  - name: hot\n    on: a', /^r\.yaml:2: rule "hot", do: is required/],
    ['rules:\n  - name: hot\n    on: a\n    do: { publish: { topic: "alerts/+" } }', /rule "hot", do\[1\]\.publish\.topic: wildcards \(\+ or #\) are not allowed in a topic to publish to/],
    ['rules:\n  - name: hot\n    on: a\n    do: { publish: { topic: b, qos: 3 } }', /^r\.yaml:4: rule "hot", do\[1\]\.publish\.qos: QoS must be 0, 1 or 2 \(found "3"\)/],
    ['rules:\n  - name: hot\n    on: a\n    do: { set: { hot: true } }', /rule "hot", do\[1\]\.set\.hot: is not declared under "state"/],
    ['rules:\n  - name: p\n    events: { a: x, b: y }\n    pattern: a then c\n    within: 1s\n    do: { publish: { topic: o } }', /^r\.yaml:4: rule "p", pattern: "c" is not one of the events \(a, b\)/],
    ['rules:\n  - name: p\n    events: { a: x, b: y }\n    pattern: a or b\n    within: 1s\n    do: { publish: { topic: o } }', /rule "p", pattern: expected "A then B/],
    ['rules:\n  - name: p\n    events: { a: x, b: y }\n    pattern: a then b\n    do: { publish: { topic: o } }', /rule "p", within: is required/],
    ['rules:\n  - name: p\n    events: { a: x, b: y }\n    pattern: a then b\n    within: soon\n    do: { publish: { topic: o } }', /rule "p", within: expected a duration/],
    ['rules:\n  - name: p\n    events: { value: x }\n    pattern: value\n    within: 1s\n    do: { publish: { topic: o } }', /events\.value: this name is taken/],
    ['rules:\n  - name: w\n    on: a\n    window: { size: 3 }\n    do: { publish: { topic: o } }', /rule "w", window: unknown field "size"/],
    ['rules:\n  - name: w\n    on: a\n    window: { count: 0 }\n    do: { publish: { topic: o } }', /rule "w", window\.count: expected a whole number/],
    ['rules:\n  - { name: a, on: x, do: { publish: { topic: o } } }\n  - { name: a, on: y, do: { publish: { topic: o } } }', /^r\.yaml:3: rule "a": a rule or transform with this name already exists/],
    ['rules:\n  - { name: a, on: x, do: { publish: { topic: o }, csv: { file: f, columns: { v: value } } } }', /each action is exactly one of: publish, csv, set/],
    ['data:\n  limits: { key: sensor }\nrules:\n  - { on: x, do: { publish: { topic: o } } }', /^r\.yaml:2: data "limits": needs either "file"/],
    ['data:\n  value: { topic: x }\nrules:\n  - { on: x, do: { publish: { topic: o } } }', /^r\.yaml:2: data "value": this name is taken by a built-in variable/],
    ['transforms:\n  - { subscribe: a, value: x, publish: b, format: xml }', /transform "transform1", format: expected one of: same, plain, json, value \(found "xml"\)/],
    ['name: empty', /the rules file: has no "transforms" and no "rules"/],
    ['rules: [1, 2', /^r\.yaml:1: not valid YAML\/JSON/],
    ['rules:\n  - on: a\n    on: b', /^r\.yaml:3: not valid YAML\/JSON: Map keys must be unique/],
    ['rules:\n  - { on: x, when: "constructor.constructor", do: { publish: { topic: o } } }', /rule "rule1", when: .*"constructor" is not allowed/],
    ['rules:\n  - { on: x, when: !!js/function "function(){ return process.exit(1) }", do: { publish: { topic: o } } }', /^r\.yaml:2: rule "rule1", when: unexpected character "\{"/],
    ['state:\n  __proto__: 1\nrules:\n  - { on: x, do: { publish: { topic: o } } }', /state "__proto__": a name must be/],
    ['__proto__: { rules: [] }\nrules:\n  - { on: x, do: { publish: { topic: o } } }', /unknown field "__proto__"/],
  ])('rejects %j', (text, message) => {
    expect(fails(text)).toMatch(message);
  });

  // Shapes are checked by the JSON Schema (schema/rules-schema.ts); its errors read like the rest.
  it.each([
    ['rules:\n  - on: a\n    do:\n      publish:\n        topic: b\n        retain: yes', /^r\.yaml:6: rule "rule1", do\[1\]\.publish\.retain: expected true or false \(found "yes"\)$/],
    ['rules:\n  - on: a\n    do:\n      - publish: { topic: b }\n      - set: {}', /^r\.yaml:5: rule "rule1", do\[2\]\.set: is empty$/],
    ['rules:\n  - on: a\n    do: []', /^r\.yaml:3: rule "rule1", do: expected at least one entry$/],
    ['rules:\n  - on: a\n    do: 5', /^r\.yaml:3: rule "rule1", do\[1\]: each action is exactly one of: publish, csv, set \(found "5"\)$/],
    ['rules:\n  - on: a\n    do: { csv: { file: out.csv } }', /^r\.yaml:3: rule "rule1", do\[1\]\.csv\.columns: is required$/],
    ['rules:\n  - name: p\n    events:\n      a: x\n      b: { when: value > 1 }\n    pattern: a then b\n    within: 1s\n    do: { publish: { topic: o } }', /^r\.yaml:5: rule "p", events\.b\.topic: is required$/],
    ['rules:\n  - name: p\n    events: { a: x, b: 7 }\n    pattern: a then b\n    within: 1s\n    do: { publish: { topic: o } }', /^r\.yaml:3: rule "p", events\.b: expected a mapping \(key: value\) \(found "7"\)$/],
    ['rules:\n  - name: p\n    events: { a: x, b: y }\n    pattern: a then b\n    within: 0s\n    do: { publish: { topic: o } }', /^r\.yaml:5: rule "p", within: expected a duration like 500ms, 20s, 2m or 1h \(more than 0\) \(found "0s"\)$/],
    ['rules:\n  - { on: a, window: { duration: soon }, do: { publish: { topic: o } } }', /rule "rule1", window\.duration: expected a duration like/],
    ['transforms:\n  - { subscribe: a, publish: b }', /^r\.yaml:2: transform "transform1", value: is required$/],
    ['transforms:\n  - { subscribe: a, value: "", publish: b }', /^r\.yaml:2: transform "transform1", value: expected text \(found ""\)$/],
    ['version: 2\nrules: []', /^r\.yaml:1: version: only version 1 exists \(found "2"\)$/],
    ['state:\n  level: [1]\nrules: []', /^r\.yaml:2: state "level": expected a number, text or true\/false \(found "a list"\)$/],
    ['data:\n  limits: { file: l.csv, colour: red }\nrules: []', /^r\.yaml:2: data "limits": unknown field "colour" \(expected one of: file, key, match, topic\)$/],
    ['- on: a', /^r\.yaml:1: the rules file: expected a mapping \(key: value\) \(found "a list"\)$/],
    ['rules:\n  - 5', /^r\.yaml:2: rules\[1\]: expected a mapping \(key: value\) \(found "5"\)$/],
  ])('rejects the shape of %j', (text, message) => {
    expect(fails(text)).toMatch(message);
  });

  it('reads the short forms: one action without a list, an event as a bare topic', () => {
    const set = ok('rules:\n  - name: p\n    events: { a: x/a, b: { topic: x/b } }\n    pattern: a then b\n    within: 2\n    do: { set: { n: n + 1 } }\nstate: { n: 0 }');
    expect(set.rules[0]!.events.map((e) => [e.name, e.filter])).toEqual([['a', 'x/a'], ['b', 'x/b']]);
    expect(set.rules[0]!.actions).toHaveLength(1);
    expect(set.rules[0]!.pattern!.withinMs).toBe(2000);
    expect(set.state).toEqual({ n: 0 });
  });

  it('leaves the parsed document as it was', () => {
    const raw = { rules: [{ on: 'a', events: undefined, do: { publish: { topic: 'o' } } }] };
    const copy = structuredClone(raw);
    compileRuleSet(raw, 'mem');
    expect(raw).toEqual(copy);
  });

  it('caps YAML aliases (no exponential expansion)', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
    expect(fails(bomb.join('\n'))).toMatch(/r\.yaml: cannot read: .*alias/i);
  });

  it('works without line information too (compileRuleSet on plain data)', () => {
    expect(() => compileRuleSet({ rules: [{ name: 'x', on: 'a', do: { publish: {} } }] }, 'mem')).toThrow(/^mem: rule "x", do\[1\]\.publish\.topic: is required$/);
  });
});
