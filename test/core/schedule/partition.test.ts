import { describe, expect, it } from 'vitest';
import { connectionOf, parsePartition, partitionOf, sensorHash } from '../../../src/core/schedule/partition.js';
import { checkStartAt, parseStartAt } from '../../../src/core/schedule/start-at.js';

describe('sensorHash (FNV-1a 32 bit over UTF-8)', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j → %d (the published FNV-1a test values)', (text, hash) => {
    expect(sensorHash(text)).toBe(hash);
  });

  it('hashes the UTF-8 bytes, not UTF-16 units', () => {
    // "é" is C3 A9 in UTF-8: two rounds, starting from the offset basis.
    let h = 0x811c9dc5;
    for (const byte of [0xc3, 0xa9]) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    expect(sensorHash('é')).toBe(h);
  });
});

describe('partitionOf / connectionOf', () => {
  const sensors = Array.from({ length: 2000 }, (_, i) => `sensor-${i}`);

  it('puts every sensor in exactly one partition, all partitions used, roughly evenly', () => {
    const counts = [0, 0, 0, 0];
    for (const s of sensors) counts[partitionOf(s, 4) - 1]!++;
    expect(counts.reduce((a, b) => a + b)).toBe(2000);
    for (const c of counts) expect(c).toBeGreaterThan(400);
  });

  it('spreads a partition over every connection (the quotient, not the same residue again)', () => {
    const mine = sensors.filter((s) => partitionOf(s, 4) === 2);
    const used = new Set(mine.map((s) => connectionOf(s, 4, 4)));
    expect([...used].sort()).toEqual([1, 2, 3, 4]);
  });

  it('one connection, one partition: everything is 1', () => {
    expect(new Set(sensors.map((s) => `${partitionOf(s, 1)}/${connectionOf(s, 1)}`))).toEqual(new Set(['1/1']));
  });
});

describe('parsePartition', () => {
  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['2/4', { index: 2, count: 4 }],
    [' 3 / 3 ', { index: 3, count: 3 }],
  ])('%j', (text, partition) => expect(parsePartition(text)).toEqual(partition));

  it.each(['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3', '-1/2'])('refuses %j', (text) => {
    expect(() => parsePartition(text)).toThrow(/^partition: expected k\/N with 1 ≤ k ≤ N/);
  });
});

describe('parseStartAt / checkStartAt', () => {
  it.each([
    ['1764446400', 1_764_446_400_000],
    ['1764446400.5', 1_764_446_400_500],
    ['1764446400000', 1_764_446_400_000],
    ['2025-11-29T20:00:00Z', Date.UTC(2025, 10, 29, 20)],
    ['2025-11-29T21:00:00.250+01:00', Date.UTC(2025, 10, 29, 20, 0, 0, 250)],
  ])('%j', (text, at) => expect(parseStartAt(text)).toBe(at));

  it.each(['2025-11-29T20:00:00', 'tomorrow', '', '2025-13-45T99:00:00Z', '2024-02-30T20:00:00Z'])('refuses %j (no zone, or not an instant)', (text) => {
    expect(() => parseStartAt(text)).toThrow(/^startAt: expected epoch seconds/);
  });

  it('accepts up to 1 s late, refuses more', () => {
    expect(() => checkStartAt(10_000, 11_000)).not.toThrow();
    expect(() => checkStartAt(10_000, 5_000)).not.toThrow();
    expect(() => checkStartAt(10_000, 11_001)).toThrow(/passed 1\.0 s ago/);
  });
});
