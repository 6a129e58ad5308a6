import { describe, expect, it } from 'vitest';
import { lazyJsonLocator } from '../../../src/core/schema/json-lines.js';
import { schemaProblem, type Schema } from '../../../src/core/schema/validate.js';

const schema: Schema = {
  type: 'object',
  properties: {
    n: { type: 'number' },
    count: { type: 'integer', minimum: 1 },
    qos: { enum: [0, 1, 2], message: 'QoS must be 0, 1 or 2' },
    list: { type: 'array', minItems: 1, items: { type: 'string' } },
    wait: { type: ['string', 'number'], duration: true },
    within: { type: ['string', 'number'], duration: 'positive' },
    pick: { type: 'object', minProperties: 1, maxProperties: 1 },
    either: { anyOf: [{ type: 'object', message: 'expected a mapping or "none"', properties: { a: { type: 'string' } } }, { const: 'none' }] },
    'a/b': { type: 'boolean' },
  },
  required: ['n'],
  additionalProperties: false,
};

describe('schemaProblem (ajv errors worded for people)', () => {
  it.each([
    [{ n: 1 }, undefined],
    [{ n: 'x' }, { path: ['n'], what: 'expected a number', found: 'x' }],
    [{}, { path: ['n'], what: 'is required' }],
    [{ n: 1, colour: 'red' }, { path: ['colour'], what: 'unknown field "colour" (known: n, count, qos, list, wait, within, pick, either, a/b)', known: ['n', 'count', 'qos', 'list', 'wait', 'within', 'pick', 'either', 'a/b'] }],
    [{ n: 1, count: 0 }, { path: ['count'], what: 'expected a number ≥ 1', found: '0' }],
    [{ n: 1, count: 1.5 }, { path: ['count'], what: 'expected a whole number', found: '1.5' }],
    [{ n: 1, qos: 3 }, { path: ['qos'], what: 'QoS must be 0, 1 or 2', found: '3' }],
    [{ n: 1, list: [] }, { path: ['list'], what: 'expected at least one entry' }],
    [{ n: 1, list: ['a', 2] }, { path: ['list', 1], what: 'expected text', found: '2' }],
    [{ n: 1, list: 'a' }, { path: ['list'], what: 'expected a list', found: 'a' }],
    [{ n: 1, wait: 'soon' }, { path: ['wait'], what: 'expected a duration like 500ms, 20s, 2m or 1h', found: 'soon' }],
    [{ n: 1, wait: '0s' }, undefined],
    [{ n: 1, within: '0s' }, { path: ['within'], what: 'expected a duration like 500ms, 20s, 2m or 1h (more than 0)', found: '0s' }],
    [{ n: 1, pick: {} }, { path: ['pick'], what: 'is empty' }],
    [{ n: 1, pick: { a: 1, b: 2 } }, { path: ['pick'], what: 'expected only one field', found: 'a, b' }],
    [{ n: 1, either: 'none' }, undefined],
    [{ n: 1, either: { a: 5 } }, { path: ['either', 'a'], what: 'expected text', found: '5' }],
    [{ n: 1, either: 7 }, { path: ['either'], what: 'expected a mapping or "none"', found: '7' }],
    [{ n: 1, 'a/b': 1 }, { path: ['a/b'], what: 'expected true or false', found: '1' }],
    [null, { path: [], what: 'expected a mapping (key: value)', found: 'null' }],
  ])('%j → %j', (value, problem) => {
    expect(schemaProblem(schema, value)).toEqual(problem);
  });

  it('keeps numeric keys of a mapping as text (only list indexes become numbers)', () => {
    const map: Schema = { type: 'object', additionalProperties: { type: 'number' } };
    expect(schemaProblem(map, { '1': 'x' })).toMatchObject({ path: ['1'] });
  });
});

describe('lazyJsonLocator (lines of JSON keys, without a YAML parser)', () => {
  const text = [
    '{',
    '  "name": "a \\"quoted\\" {not} [a] list, ok",',
    '  "qos": [0,',
    '    1, 2],',
    '  "brokers": [',
    '    { "kind": "embedded" },',
    '    {',
    '      "kind": "external", "url": "mqtt://x",',
    '      "on": true, "off": null, "n": -1.5e3',
    '    }',
    '  ],',
    '  "empty": {}, "none": [],',
    '  "nested": { "name": { "name": 1 } }',
    '}',
  ].join('\n');

  it.each([
    [[], 1],
    [['name'], 2],
    [['qos'], 3],
    [['qos', 0], 3],
    [['qos', 1], 4],
    [['qos', 2], 4],
    [['brokers', 0], 6],
    [['brokers', 0, 'kind'], 6],
    [['brokers', 1], 7],
    [['brokers', 1, 'url'], 8],
    [['brokers', 1, 'n'], 9],
    [['brokers', 1, 'missing'], 7],
    [['brokers', 5], 5],
    [['none'], 12],
    [['nested', 'name', 'name'], 13],
    [['zz'], 1],
  ])('%j is on line %d', (path, line) => {
    expect(JSON.parse(text)).toBeTruthy();
    expect(lazyJsonLocator(text)(path)).toBe(line);
  });

  it('gives no line without a document', () => {
    expect(lazyJsonLocator('')(['a'])).toBeUndefined();
    expect(lazyJsonLocator('{"a')(['a'])).toBeUndefined();
  });
});
