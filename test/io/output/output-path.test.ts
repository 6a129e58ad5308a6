import { mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOutputPath, prepareOutputFolder, prepareOutputPath, refuseOutputOverInput } from '../../../src/io/output/output-path.js';
import { tempDir } from '../../helpers/brokers.js';

function errorOf(body: () => void): { code: string; message: string } | undefined {
  try {
    body();
    return undefined;
  } catch (error) {
    return error as { code: string; message: string };
  }
}

describe('prepareOutputPath', () => {
  it('creates every missing folder, level by level', () => {
    const dir = tempDir();
    const path = join(dir, 'a', 'b', 'c', 'out.csv');
    prepareOutputPath(path);
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    // The file itself is the writer's to create; the probe leaves nothing behind.
    expect(readdirSync(join(dir, 'a', 'b', 'c'))).toEqual([]);
    expect(readdirSync(dir)).toEqual(['a']);
  });

  it.each([
    ['a missing folder under /proc (a recursive mkdir never returns there)', () => '/proc/none/deeper/t.csv', /\/proc\/none\/deeper\/t\.csv: cannot write here: cannot create anything in \/proc/],
    ['a folder under /sys', () => '/sys/none/t.csv', /\/sys\/none\/t\.csv: cannot write here: cannot create anything in \/sys/],
    ['an existing folder', (dir: string) => dir, /cannot write here: is a folder, not a file/],
    ['a file used as a folder', (dir: string) => join(dir, 'file.txt', 'sub', 'x.csv'), /file\.txt is a file, not a folder/],
  ])('refuses %s with E_OUTPUT naming the path', (_name, pathIn, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file.txt'), 'x');
    const path = pathIn(dir);
    const started = performance.now();
    const error = errorOf(() => prepareOutputPath(path));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toMatchObject({ code: 'E_OUTPUT' });
    expect(error!.message).toContain(path);
    expect(error!.message).toMatch(message);
  });

  it('accepts an existing device such as /dev/null (a full disk is found by the write, not here)', () => {
    expect(() => prepareOutputPath('/dev/null')).not.toThrow();
    expect(() => checkOutputPath('/dev/full')).not.toThrow();
  });
});

describe('checkOutputPath', () => {
  it('creates nothing', () => {
    const dir = tempDir();
    checkOutputPath(join(dir, 'new', 'deeper', 'out.csv'));
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('prepareOutputFolder', () => {
  it('creates a nested folder and accepts an existing one', () => {
    const dir = tempDir();
    prepareOutputFolder(join(dir, 'x', 'y'));
    prepareOutputFolder(join(dir, 'x', 'y'));
    expect(statSync(join(dir, 'x', 'y')).isDirectory()).toBe(true);
  });

  it.each([
    ['a file', (dir: string) => join(dir, 'file.txt'), /is a file, not a folder/],
    ['/proc', () => '/proc/none', /cannot create anything in \/proc/],
    ['/dev/full', () => '/dev/full', /is a file, not a folder/],
  ])('refuses %s', (_name, pathIn, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file.txt'), 'x');
    expect(errorOf(() => prepareOutputFolder(pathIn(dir)))?.message).toMatch(message);
  });
});

describe('refuseOutputOverInput', () => {
  it('refuses the same file however it is spelled (relative, .., a link), naming both', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'p.csv'), 'time,value\n');
    symlinkSync(join(dir, 'p.csv'), join(dir, 'link.csv'));
    for (const output of [join(dir, 'p.csv'), join(dir, 'sub', '..', 'p.csv'), join(dir, 'link.csv')]) {
      const error = errorOf(() => refuseOutputOverInput(output, [join(dir, 'p.csv')], 'sent log', 'profile'));
      expect(error).toMatchObject({ code: 'E_USAGE' });
      expect(error!.message).toBe(`${output}: the sent log would overwrite the profile ${join(dir, 'p.csv')}: choose another file`);
    }
  });

  it('accepts a different file, also one that does not exist yet', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.csv'), 'time,value\n');
    expect(() => refuseOutputOverInput(join(dir, 'sent.csv'), [join(dir, 'p.csv')])).not.toThrow();
    expect(() => refuseOutputOverInput(join(dir, 'new', 'p.csv'), [join(dir, 'p.csv')])).not.toThrow();
  });
});
