import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/compare');

describe('compare --engine', () => {
  it('duckdb prints the report the default engine prints; an unknown engine is a usage error', async () => {
    const args = ['compare', '--sent', join(FIXTURES, 'sent.csv'), '--received', join(FIXTURES, 'trace-a.csv'), join(FIXTURES, 'trace-b.csv')];
    const memory = await runCli(args);
    const duckdb = await runCli([...args, '--engine', 'duckdb', '--memory-limit', '500MB']);
    expect([memory.code, duckdb.code]).toEqual([0, 0]);
    expect(duckdb.stdout).toBe(memory.stdout);
    expect(duckdb.stdout).toMatch(/^all +12 +14 +10 +2 +2 +1 +2 +1 /m);
    const bad = await runCli([...args, '--engine', 'spark']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--engine: unknown engine "spark" \(known: memory, duckdb\)/);
  });
});
