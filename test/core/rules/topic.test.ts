import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicMatches } from '../../../src/core/mqtt/topic-filter.js';
import { filterMatcher } from '../../../src/core/rules/topic.js';

const level = fc.constantFrom('a', 'b', '', '$SYS', 'x y', '€', '+', '#');
const levels = fc.array(level, { minLength: 1, maxLength: 5 });

describe('filterMatcher (a filter compiled once)', () => {
  it('agrees with topicMatches on every filter and topic, wildcards, empty levels and $ topics included', () => {
    fc.assert(
      fc.property(levels, fc.array(fc.constantFrom('a', 'b', '', '$SYS', 'x y', '€'), { minLength: 1, maxLength: 6 }), (f, t) => {
        const filter = f.join('/');
        const topic = t.join('/');
        expect(filterMatcher(filter)(topic)).toBe(topicMatches(filter, topic));
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['cep/x', 'cep/x', true],
    ['cep/x', 'cep/xy', false],
    ['cep/+', 'cep/x', true],
    ['cep/+', 'cep/x/y', false],
    ['cep/#', 'cep', true],
    ['+/x', '$SYS/x', false],
    ['#', '$SYS/x', false],
    ['a/+/', 'a/b/', true],
  ])('%s against %s: %s', (filter, topic, expected) => {
    expect(filterMatcher(filter)(topic)).toBe(expected);
  });
});
