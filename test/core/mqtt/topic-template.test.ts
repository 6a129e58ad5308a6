import { describe, expect, it } from 'vitest';
import { compileTopicTemplate, topicProblem } from '../../../src/core/mqtt/topic-template.js';

describe('topic templates', () => {
  it.each([
    ['sensors/{sensor}/temperature', { sensor: 'hdd0' }, 'sensors/hdd0/temperature'],
    ['sensors/pc1/temperature/{sensor}', { sensor: 'hdd1' }, 'sensors/pc1/temperature/hdd1'],
    ['t/{ sensor }/{seq}/{pass}', { sensor: 'a', seq: 7, pass: 2 }, 't/a/7/2'],
    ['fixed/topic', { sensor: 'a' }, 'fixed/topic'],
    ['{topic}/raw', { topic: 'from/file' }, 'from/file/raw'],
  ])('%s', (template, fields, expected) => {
    expect(compileTopicTemplate(template).render(fields)).toBe(expected);
  });

  it.each([
    ['sensors/{name}', /^topic: unknown field \{name\}/],
    ['sensors/{sensor', /^topic: unbalanced brace/],
    ['sensors/#', /^topic: wildcards/],
    ['sensors/+/t', /^topic: wildcards/],
  ])('rejects %s, naming the option', (template, message) => {
    expect(() => compileTopicTemplate(template)).toThrow(message);
    expect(() => compileTopicTemplate(template)).toThrow(expect.objectContaining({ code: 'E_USAGE', option: 'topic' }));
  });

  it.each([
    ['', 'empty topic'],
    ['a/+', 'wildcards (+ or #) are not allowed in a topic to publish to'],
    ['a\u0000b', 'NUL character in topic'],
    ['a//b', undefined],
  ])('topicProblem(%j) = %s', (topic, expected) => expect(topicProblem(topic)).toBe(expected));
});
