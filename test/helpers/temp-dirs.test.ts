import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from './brokers.js';

describe('tempDir', () => {
  it('makes folders that removeTempDirs() deletes, contents and all', () => {
    const a = tempDir();
    const b = tempDir('other-');
    writeFileSync(join(a, 'file.csv'), 'x\n');
    expect(existsSync(a) && existsSync(b)).toBe(true);
    expect(removeTempDirs()).toBeGreaterThanOrEqual(2);
    expect(existsSync(a) || existsSync(b)).toBe(false);
  });
});
