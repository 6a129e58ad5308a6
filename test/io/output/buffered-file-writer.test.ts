import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferedFileWriter } from '../../../src/io/output/buffered-file-writer.js';
import type { SensortraceError } from '../../../src/core/errors.js';
import { tempDir } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('BufferedFileWriter', () => {
  it('writes whole lines on flush, on the timer and on close', async () => {
    const path = join(tempDir(), 'out.csv');
    const clock = new FakeClock();
    const writer = new BufferedFileWriter(path, { flushIntervalMs: 20, clock });
    writer.write('a,1\n');
    expect(readFileSync(path, 'utf8')).toBe('');
    await clock.advanceBy(19);
    expect(readFileSync(path, 'utf8')).toBe('');
    await clock.advanceBy(1);
    expect(readFileSync(path, 'utf8')).toBe('a,1\n');
    expect(clock.pending).toBe(0);
    writer.write('b,2\n');
    writer.close();
    expect(readFileSync(path, 'utf8')).toBe('a,1\nb,2\n');
    expect(writer.rowsWritten).toBe(2);
  });

  it('a failed timed flush (full disk) is reported through onError, and thrown by the next write', async () => {
    const failures: SensortraceError[] = [];
    const clock = new FakeClock();
    const writer = new BufferedFileWriter('/dev/full', { flushIntervalMs: 10, onError: (error) => failures.push(error), clock });
    writer.write('a,1\n');
    expect(failures).toHaveLength(0);
    await clock.advanceBy(10);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'E_OUTPUT', exitCode: 2 });
    expect(() => writer.write('b,2\n')).toThrow(/\/dev\/full: write failed/);
    expect(() => writer.close()).toThrow(/write failed/);
  });

  it('writeRow: rows pending first, then the pieces, in the file when it returns (no timer left); a full disk is E_OUTPUT', async () => {
    const path = join(tempDir(), 'out.csv');
    const clock = new FakeClock();
    const writer = new BufferedFileWriter(path, { flushIntervalMs: 20, clock });
    writer.write('a,1\n');
    const big = Buffer.alloc(3 * 1024 * 1024, 0x78);
    writer.writeRow(['b,', big.subarray(0, 10), '€', big, ',"q"\n']);
    expect(readFileSync(path, 'utf8')).toBe(`a,1\nb,${'x'.repeat(10)}€${big.toString('latin1')},"q"\n`);
    expect(writer.rowsWritten).toBe(2);
    expect(clock.pending).toBe(0);
    writer.close();
    expect(() => writer.writeRow(['late\n'])).toThrow(/write after close/);

    const full = new BufferedFileWriter('/dev/full', { flushIntervalMs: 0 });
    expect(() => full.writeRow(['x,', big, '\n'])).toThrow(expect.objectContaining({ code: 'E_OUTPUT', message: expect.stringMatching(/\/dev\/full: write failed/) }));
    expect(full.rowsWritten).toBe(0);
  });
});
