import { describe, expect, it } from 'vitest';
import { detectDelimiter, detectLayout, detectTimeFormat, normalizeDelimiter, normalizeTimeZone, parseIsoTime, parseTimeCell, parseValueCell } from '../../../src/core/profile/format.js';
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

  it('reads ISO without a zone as UTC by default, as local time when told, and in a named zone', () => {
    expect(parseIsoTime('2024-03-01 08:00:00')).toBe(Date.UTC(2024, 2, 1, 8, 0, 0));
    expect(parseIsoTime('2024-03-01 08:00:00', 'local')).toBe(new Date(2024, 2, 1, 8, 0, 0).getTime());
    expect(parseIsoTime('2024-03-01 08:00:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 1, 7, 0, 0));
    expect(parseIsoTime('2024-07-01 08:00:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 6, 0, 0));
    expect(parseIsoTime('2024-07-01 08:00:00', 'America/New_York')).toBe(Date.UTC(2024, 6, 1, 12, 0, 0));
    // A given zone always wins over the default one.
    expect(parseIsoTime('2024-07-01 08:00:00Z', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 8, 0, 0));
  });

  it.each([
    ['2024-03-31 01:30:00', Date.UTC(2024, 2, 31, 0, 30)],
    // Skipped by the spring change (02:00 → 03:00): moved forward by the gap, to 03:30 CEST.
    ['2024-03-31 02:30:00', Date.UTC(2024, 2, 31, 1, 30)],
    ['2024-03-31 03:30:00', Date.UTC(2024, 2, 31, 1, 30)],
    ['2024-10-27 01:30:00', Date.UTC(2024, 9, 26, 23, 30)],
    // Twice on the autumn night: the offset after the change (CET).
    ['2024-10-27 02:30:00', Date.UTC(2024, 9, 27, 1, 30)],
    ['2024-10-27 03:30:00', Date.UTC(2024, 9, 27, 2, 30)],
  ])('Europe/Berlin across daylight saving: %s', (cell, expected) => {
    expect(parseIsoTime(cell, 'Europe/Berlin')).toBe(expected);
  });

  it('names time zones: UTC, local, canonical IANA; an unknown one is an option error', () => {
    expect(normalizeTimeZone('utc')).toBe('UTC');
    expect(normalizeTimeZone('Z')).toBe('UTC');
    expect(normalizeTimeZone('local')).toBe('local');
    expect(normalizeTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(() => normalizeTimeZone('Mars/Base')).toThrow(/timezone: unknown time zone "Mars\/Base"/);
  });

  it.each(['2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z', '01.03.2024 08:00', 'now', '2024-02-30T00:00:00Z', '2023-02-29', '2024-04-31 10:00', '275760-09-13T00:00:00Z', '2024-01-01T00:00:61Z'])('rejects %s', (cell) => {
    expect(parseIsoTime(cell)).toBeUndefined();
  });

  it('accepts 29 February in a leap year, 1970 and year 9999', () => {
    expect(parseIsoTime('2024-02-29')).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoTime('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseIsoTime('9999-12-31T23:59:59Z')).toBe(Date.UTC(9999, 11, 31, 23, 59, 59));
  });

  it.each([
    ['9999999999999999', 'epoch-ms'],
    ['1e300', 'epoch-s'],
    ['-9e15', 'epoch-ms'],
    ['9e12', 'relative-s'],
  ] as const)('refuses %s as %s: beyond what a date holds', (cell, format) => {
    expect(parseTimeCell(cell, format, false)).toBeUndefined();
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
