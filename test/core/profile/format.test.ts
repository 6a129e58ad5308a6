import { describe, expect, it } from 'vitest';
import { detectDelimiter, detectLayout, detectTimeFormat, normalizeDelimiter, parseIsoTime, parseTimeCell, parseValueCell } from '../../../src/core/profile/format.js';
import type { SensortraceError } from '../../../src/core/errors.js';

describe('detectDelimiter', () => {
  it.each([
    [['time,value', '1,2'], ','],
    [['time;value', '1;2,5'], ';'],
    [['time\tvalue', '1\t2'], '\t'],
    [['1266193804 32', '1266193805 33'], 'whitespace'],
    [['1709280000;19,10'], ';'],
    [['time,value', '1,2', '3,4,5'], ','],
    [['2024-03-01 08:00:00;19,5'], ';'],
  ])('%j → %s', (lines, expected) => {
    expect(detectDelimiter(lines)).toBe(expected);
  });
});

describe('normalizeDelimiter', () => {
  it.each([
    [',', ','],
    ['semicolon', ';'],
    ['tab', '\t'],
    ['\\t', '\t'],
    ['space', 'whitespace'],
  ])('%s → %j', (text, expected) => expect(normalizeDelimiter(text)).toBe(expected));
  it('rejects anything else as a usage error naming the option', () => {
    const error = (() => {
      try {
        normalizeDelimiter('|');
      } catch (e) {
        return e as SensortraceError;
      }
    })();
    expect(error?.message).toBe('delimiter: expected , ; tab or space (found "|")');
    expect(error?.code).toBe('E_USAGE');
    expect(error?.option).toBe('delimiter');
  });
});

describe('time formats', () => {
  it.each([
    ['1266193804', 'epoch-s'],
    ['1266193804.25', 'epoch-s'],
    ['1266193804250', 'epoch-ms'],
    ['2010-02-15T00:30:04Z', 'iso'],
    ['2010-02-15 00:30:04', 'iso'],
    ['0', 'relative-s'],
    ['12.5', 'relative-s'],
    ['yesterday', undefined],
  ])('detects %s as %s', (cell, expected) => expect(detectTimeFormat(cell, false)).toBe(expected));

  it.each([
    ['1266193804', 'epoch-s', 1266193804000],
    ['1266193804.5', 'epoch-s', 1266193804500],
    ['1266193804250.5', 'epoch-ms', 1266193804250.5],
    ['12,5', 'relative-s', 12500],
    ['2010-02-15T00:30:04Z', 'iso', Date.UTC(2010, 1, 15, 0, 30, 4)],
    ['2010-02-15T00:30:04.123+01:00', 'iso', Date.UTC(2010, 1, 14, 23, 30, 4, 123)],
    ['2010-02-15T00:30:04+0100', 'iso', Date.UTC(2010, 1, 14, 23, 30, 4)],
    ['2010-02-15T00:30:04.1234Z', 'iso', Date.UTC(2010, 1, 15, 0, 30, 4, 123) + 0.4],
  ] as const)('reads %s as %s', (cell, format, expected) => {
    expect(parseTimeCell(cell, format, true)).toBeCloseTo(expected, 6);
  });

  it('reads ISO without a zone as local time, like Date does', () => {
    expect(parseIsoTime('2024-03-01 08:00:00')).toBe(new Date(2024, 2, 1, 8, 0, 0).getTime());
  });

  it.each(['2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z', '01.03.2024 08:00', 'now'])('rejects %s', (cell) => {
    expect(parseIsoTime(cell)).toBeUndefined();
  });
});

describe('parseValueCell', () => {
  it.each([
    ['21.5', false, 21.5],
    [' -3 ', false, -3],
    ['1e2', false, 100],
    ['21,5', true, 21.5],
    ['21,5', false, undefined],
    ['warm', false, undefined],
    ['', false, undefined],
    ['NaN', false, undefined],
    ['Infinity', false, undefined],
  ])('%j (decimal comma %s) → %s', (cell, comma, expected) => expect(parseValueCell(cell, comma)).toBe(expected));
});

describe('detectLayout', () => {
  const layout = (lines: string[], options = {}) => detectLayout(lines, options, 'f.csv', 'f');
  it('time,value', () => {
    expect(layout(['time,value', '1700000000,21.5'])).toMatchObject({ shape: 'single', delimiter: ',', timeIndex: 0, timeFormat: 'epoch-s', valueColumns: [{ index: 1, sensor: 'f' }] });
  });
  it('time,sensor,value', () => {
    expect(layout(['time,sensor,value', '1700000000000,a,1'])).toMatchObject({ shape: 'long', sensorIndex: 1, timeFormat: 'epoch-ms', valueColumns: [{ index: 2 }] });
  });
  it('sensor column anywhere, named', () => {
    expect(layout(['device;temperature;timestamp', 'a;1;1700000000'])).toMatchObject({ shape: 'long', sensorIndex: 0, timeIndex: 2, valueColumns: [{ index: 1 }] });
  });
  it('one column per sensor', () => {
    expect(layout(['time\thdd0\thdd1', '0\t30\t31'])).toMatchObject({ shape: 'wide', delimiter: '\t', timeFormat: 'relative-s', valueColumns: [{ index: 1, sensor: 'hdd0' }, { index: 2, sensor: 'hdd1' }] });
  });
  it("the tutorial's plain lines", () => {
    expect(layout(['1266193804 32', '1266193805 33'])).toMatchObject({ shape: 'single', delimiter: 'whitespace', header: undefined, timeFormat: 'epoch-s' });
  });
  it('headerless time,sensor,value', () => {
    expect(layout(['1266193804,hdd0,32'])).toMatchObject({ shape: 'long', sensorIndex: 1, header: undefined });
  });
  it('semicolon with decimal comma and ISO local times', () => {
    expect(layout(['Zeit;Temperatur', '2024-03-01 08:00:00;19,5'])).toMatchObject({ shape: 'single', delimiter: ';', decimalComma: true, timeFormat: 'iso' });
  });
  it('a topic column is not a value', () => {
    expect(layout(['time,topic,value', '0,a/b,1'])).toMatchObject({ shape: 'single', topicIndex: 1, valueColumns: [{ index: 2 }] });
  });
  it('flags override detection', () => {
    expect(layout(['a,b,c', '1,2,1700000000'], { timeColumn: 'c', valueColumn: '2', timeFormat: 'epoch-ms', sensor: 'x' })).toMatchObject({
      shape: 'single',
      timeIndex: 2,
      timeFormat: 'epoch-ms',
      valueColumns: [{ index: 1, sensor: 'x' }],
    });
    expect(() => layout(['1;2', '3;4'], { delimiter: ',' })).toThrow(/is the delimiter right/);
    expect(layout(['1;2', '3;4'], { delimiter: 'semicolon' })).toMatchObject({ delimiter: ';', shape: 'single' });
  });
  it.each([
    [['time'], /at least two columns|no rows/],
    [['time,value'], /header but no rows/],
    [['time,value', 'soon,1'], /f.csv:2: time: cannot read the time/],
  ])('%j fails with %s', (lines, message) => {
    expect(() => layout(lines)).toThrow(message);
  });
  it('unknown named columns are usage errors', () => {
    expect(() => layout(['time,value', '1,2'], { valueColumn: 'temp' })).toThrow(/^valueColumn: f.csv has no column named "temp"/);
  });
});
