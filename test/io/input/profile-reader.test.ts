import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateProfileLines } from '../../../src/core/profile/generate.js';
import type { ProfileRow } from '../../../src/core/records.js';
import { inspectProfile, readProfile, readProfileInTimeOrder } from '../../../src/io/input/profile-reader.js';
import { tempDir } from '../../helpers/brokers.js';

const dir = tempDir('sensortrace-profile-reader-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/profiles', name);

async function rows(path: string, options = {}): Promise<ProfileRow[]> {
  const out: ProfileRow[] = [];
  for await (const row of readProfile(path, options)) out.push(row);
  return out;
}

describe('readProfile: every shape', () => {
  it.each([
    ['single.csv', ['single', 1700000000000, 21.5, 'single', 1700000002500]],
    ['long.csv', ['a', 1700000000000, 1, 'b', 1700000001000]],
    ['wide-tab.tsv', ['hdd0', 0, 30, 'hdd1', 1000]],
    ['tutorial.txt', ['tutorial', 1266193804000, 32, 'tutorial', 1266193806000]],
    ['semicolon-comma.csv', ['semicolon-comma', new Date(2024, 2, 1, 8).getTime(), 19.5, 'semicolon-comma', new Date(2024, 2, 1, 8, 0, 1).getTime()]],
  ] as const)('%s', async (name, [firstSensor, firstTime, firstValue, lastSensor, lastTime]) => {
    const read = await rows(fixture(name));
    expect(read[0]).toMatchObject({ sensor: firstSensor, time: firstTime, value: firstValue });
    expect(read.at(-1)).toMatchObject({ sensor: lastSensor, time: lastTime });
  });

  it('names lines as the file does (header is line 1, CRLF and BOM accepted)', async () => {
    expect((await rows(fixture('semicolon-comma.csv'))).map((r) => [r.line, r.value])).toEqual([
      [2, 19.5],
      [3, 19.75],
    ]);
  });

  it('flags override detection', async () => {
    const read = await rows(fixture('single.csv'), { timeFormat: 'epoch-ms', sensor: 'room' });
    expect(read[0]).toMatchObject({ sensor: 'room', time: 1700000000 });
  });
});

describe('readProfile: bad input stops with file:line', () => {
  it.each([
    ['bad-value.csv', ':3: value: value is not a number (found "warm")'],
    ['backwards.csv', ':3: time: time goes backwards for sensor "a" (found "1700000000")'],
    ['wrong-columns.csv', ':3: expected 2 columns, found 3 (found "1700000001,22,1")'],
    ['bad-time.csv', ':3: time: cannot read the time as epoch-s (found "yesterday")'],
  ])('%s', async (name, message) => {
    const path = fixture(name);
    await expect(inspectProfile(path)).rejects.toMatchObject({ code: 'E_INPUT', exitCode: 2, message: `${path}${message}` });
  });

  it('a missing file is an input error', async () => {
    await expect(inspectProfile('/nonexistent/profile.csv')).rejects.toMatchObject({ code: 'E_INPUT', message: /no such file/ });
  });

  it('an empty file is an input error', async () => {
    const path = join(dir, 'empty.csv');
    writeFileSync(path, '\n# only a comment\n');
    await expect(inspectProfile(path)).rejects.toMatchObject({ code: 'E_INPUT', message: /no rows/ });
  });

  it('a quote never closed is an input error at the line it opens (not the rest of the file swallowed)', async () => {
    const path = join(dir, 'open-quote.csv');
    writeFileSync(path, 'time,sensor,value\n1700000000,"a,1\n1700000001,b,2\n');
    await expect(inspectProfile(path)).rejects.toMatchObject({ code: 'E_INPUT', message: `${path}:2: a quoted cell is never closed` });
  });

  it('a quote closed only lines later is an error at the line it opens, not rows swallowed into one cell', async () => {
    const path = join(dir, 'late-quote.csv');
    writeFileSync(path, 'time,sensor,value\n1700000000,a,1\n1700000001,"b,2\n1700000002,c,3\n1700000003,d",4\n1700000004,e,5\n');
    await expect(inspectProfile(path)).rejects.toMatchObject({ code: 'E_INPUT', message: expect.stringMatching(new RegExp(`^${path}:3: sensor: a quoted cell runs over 3 lines \\(its quote closes only on line 5\\)`)) as unknown });
  });

  it.each([
    ['a first line over 64 KiB is read, not "no rows"', `time,${'v'.repeat(70_000)}\n1700000000,1\n1700000001,2\n`, undefined],
    ['a line over 1 MiB is refused with its line', `time,value\n1700000000,1\n${'1'.repeat(1_100_000)},2\n`, /:3: a line longer than 1 MiB/],
    ['a first line over 1 MiB is refused as line 1', `${'t'.repeat(2_200_000)}\n1,2\n`, /:1: a line longer than 1 MiB/],
    ['UTF-16 is refused, not decoded', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('time,value\n1700000000,1\n', 'utf16le')]), /:1: is UTF-16 text \(byte order mark FF FE\); save the profile as UTF-8/],
    ['epoch ms beyond a date is refused with its line', 'time,value\n9999999999999999,1\n', /:2: time: time out of range/],
    ['2024-02-30 is refused, not read as 1 March', 'time,value\n2024-02-29T00:00:00Z,1\n2024-02-30T00:00:00Z,2\n', /:3: time: cannot read the time as iso/],
  ])('%s', async (_name, content, error) => {
    const path = join(dir, `limits-${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(path, content);
    if (error === undefined) expect((await inspectProfile(path)).rows).toBe(2);
    else await expect(inspectProfile(path)).rejects.toMatchObject({ code: 'E_INPUT', message: error });
  });

  it('a quoted delimiter inside a cell is one cell (csv-parse), in the sample and the full pass', async () => {
    const path = join(dir, 'quoted.csv');
    writeFileSync(path, 'time,sensor,value\n1700000000,"hall, north",21.5\n1700000001,"hall, north",21.6\n');
    expect((await rows(path)).map((r) => [r.line, r.sensor, r.value])).toEqual([[2, 'hall, north', 21.5], [3, 'hall, north', 21.6]]);
  });
});

describe('inspectProfile', () => {
  it('reports what it detected', async () => {
    const s = await inspectProfile(fixture('wide-tab.tsv'));
    expect(s).toMatchObject({
      shape: 'wide',
      delimiter: 'tab',
      hasHeader: true,
      timeFormat: 'relative-s',
      relative: true,
      sensors: [
        { name: 'hdd0', rows: 3 },
        { name: 'hdd1', rows: 3 },
      ],
      rows: 6,
      firstTime: 0,
      lastTime: 1000,
      durationMs: 1000,
      rateHz: 6,
      ordered: true,
      distinctTimes: 3,
    });
  });

  it('notices sensors grouped out of time order', async () => {
    expect(await inspectProfile(fixture('grouped.csv'))).toMatchObject({ ordered: false, sensors: [{ name: 'a' }, { name: 'b' }] });
  });
});

describe('readProfileInTimeOrder', () => {
  it('merges sensors grouped in the file into time order, ties in file order', async () => {
    const path = fixture('grouped.csv');
    const summary = await inspectProfile(path);
    const out: string[] = [];
    for await (const r of readProfileInTimeOrder(path, summary)) out.push(`${r.time}:${r.sensor}`);
    expect(out).toEqual(['0:a', '0:b', '1000:a', '1000:b', '2000:a', '2000:b']);
  });
});

describe('large profiles', () => {
  it('stream through without being held (300k readings)', async () => {
    const path = join(dir, 'big.csv');
    const lines = [...generateProfileLines({ pattern: 'noise', sensors: ['s'], rateHz: 1000, durationMs: 300_000, startMs: 1.7e12, shape: 'single', timeFormat: 'epoch-ms', delimiter: ',' })];
    writeFileSync(path, lines.join(''));
    const s = await inspectProfile(path);
    expect(s).toMatchObject({ rows: 300_000, firstTime: 1.7e12, durationMs: 299_999, ordered: true });
  });
});
