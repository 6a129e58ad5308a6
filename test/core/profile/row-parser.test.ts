import { describe, expect, it } from 'vitest';
import { detectLayout } from '../../../src/core/profile/format.js';
import { ProfileRowParser } from '../../../src/core/profile/row-parser.js';

function parserFor(lines: string[]) {
  const layout = detectLayout(lines, {}, 'p.csv', 'room');
  const parser = new ProfileRowParser(layout, 'p.csv');
  parser.headerLine = layout.header ? 1 : 0;
  return parser;
}

describe('ProfileRowParser', () => {
  it('reads a wide line as one reading per sensor', () => {
    const parser = parserFor(['time,hdd0,hdd1', '1266193804,32,33']);
    expect(parser.parse(2, ['1266193804', '32', '33'])).toEqual([
      { line: 2, sensor: 'hdd0', time: 1266193804000, value: 32 },
      { line: 2, sensor: 'hdd1', time: 1266193804000, value: 33 },
    ]);
  });

  it('skips the header, blank lines and # comments', () => {
    const parser = parserFor(['time,value', '1,2']);
    expect(parser.parse(1, ['time', 'value'])).toEqual([]);
    expect(parser.parse(2, [''])).toEqual([]);
    expect(parser.parse(3, ['# note', ' x'])).toEqual([]);
    expect(parser.parse(4, ['1', '2'])).toEqual([{ line: 4, sensor: 'room', time: 1000, value: 2 }]);
  });

  it('allows equal times, and per-sensor order only', () => {
    const parser = parserFor(['time,sensor,value', '5,a,1']);
    parser.parse(2, ['5', 'a', '1']);
    parser.parse(3, ['5', 'a', '2']);
    expect(parser.parse(4, ['1', 'b', '3'])).toHaveLength(1);
  });

  it.each([
    ['value not a number', ['time,value', '1,2'], [['1', '2'], ['2', 'warm']], 'p.csv:3: value: value is not a number (found "warm")'],
    ['unreadable time', ['time,value', '1,2'], [['1', '2'], ['later', '3']], 'p.csv:3: time: cannot read the time as relative-s (found "later")'],
    ['time going backwards', ['time,sensor,value', '1,a,2'], [['2', 'a', '2'], ['1', 'a', '3']], 'p.csv:3: time: time goes backwards for sensor "a" (found "1")'],
    ['too many columns', ['time,value', '1,2'], [['1', '2'], ['2', '22', '1']], 'p.csv:3: expected 2 columns, found 3 (found "2,22,1")'],
    ['too few columns', ['time,hdd0,hdd1', '1,2,3'], [['1', '2', '3'], ['2', '3']], 'p.csv:3: expected 3 columns, found 2 (found "2,3")'],
    ['empty sensor', ['time,sensor,value', '1,a,2'], [['1', 'a', '2'], ['2', ' ', '3']], 'p.csv:3: sensor: empty sensor name'],
    ['wildcard topic', ['time,topic,value', '1,a,2'], [['1', 'a', '2'], ['2', 'a/#', '3']], 'p.csv:3: topic: wildcards'],
  ])('%s', (_name, sample, lines, message) => {
    const parser = parserFor(sample as string[]);
    const run = () => (lines as string[][]).forEach((cells, i) => parser.parse(i + 2, cells));
    expect(run).toThrow(message as string);
    try {
      run();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_INPUT', exitCode: 2 });
    }
  });
});
