import { describe, expect, it } from 'vitest';
import { anyFilterMatches, parseTopicFilter, topicMatches } from '../../../src/core/mqtt/topic-filter.js';

describe('parseTopicFilter', () => {
  it.each([
    ['sensors/#', 'sensors/#'],
    ['#', '#'],
    ['+', '+'],
    ['sensors/+/temp', 'sensors/+/temp'],
    ['/leading/slash', '/leading/slash'],
    ['a//b', 'a//b'],
    ['$SYS/#', '$SYS/#'],
    ['$share/group/sensors/#', 'sensors/#'],
    ['$share/g/+', '+'],
  ])('accepts %s (matched as %s)', (filter, match) => {
    expect(parseTopicFilter(filter).match).toBe(match);
  });

  it('names the option the filter came from', () => {
    expect(() => parseTopicFilter('a/#/b', 'exclude')).toThrow(expect.objectContaining({ option: 'exclude', message: expect.stringMatching(/^exclude: invalid topic filter "a\/#\/b"/) }));
  });

  it('keeps the share group', () => {
    expect(parseTopicFilter('$share/recorders/sensors/#')).toEqual({ filter: '$share/recorders/sensors/#', match: 'sensors/#', shareGroup: 'recorders' });
  });

  it.each([
    ['', /empty/],
    ['sensors/#/temp', /'#' must be a whole level and the last one/],
    ['sensors#', /'#' must be a whole level/],
    ['sensors/te+mp', /'\+' must be a whole level/],
    ['a+/b', /'\+' must be a whole level/],
    ['a\u0000b', /NUL/],
    ['$share/', /\$share\/<group>\/<filter>/],
    ['$share//a', /group name is empty/],
    ['$share/g+/a', /cannot contain/],
    ['$share/g/', /needs a filter/],
    ['x'.repeat(65_536), /longer than 65535 bytes/],
  ])('rejects %j with a usage error', (filter, message) => {
    let caught: unknown;
    try {
      parseTopicFilter(filter);
    } catch (error) {
      caught = error;
    }
    // Library errors name the option; the CLI shows the flag (--topic) instead.
    expect(caught).toMatchObject({ code: 'E_USAGE', exitCode: 2, option: 'filters' });
    expect((caught as Error).message).toMatch(/^filters: invalid topic filter/);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('topicMatches', () => {
  it.each([
    ['sensors/#', 'sensors/hdd0/temp', true],
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensorsX/a', false],
    ['sensors/+/temp', 'sensors/hdd0/temp', true],
    ['sensors/+/temp', 'sensors/hdd0/load', false],
    ['sensors/+/temp', 'sensors/temp', false],
    ['sensors/+', 'sensors/a/b', false],
    ['+/+', '/a', true],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
  ])('%s ~ %s → %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('anyFilterMatches checks every exclusion', () => {
    const filters = ['sensors/+/debug', 'test/#'].map((f) => parseTopicFilter(f));
    expect(anyFilterMatches(filters, 'test/x')).toBe(true);
    expect(anyFilterMatches(filters, 'sensors/a/debug')).toBe(true);
    expect(anyFilterMatches(filters, 'sensors/a/temp')).toBe(false);
  });
});
