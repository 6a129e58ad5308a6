import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TableWatcher } from '../../../src/app/process/table-watcher.js';
import { RuleEngine } from '../../../src/core/rules/engine.js';
import { loadRules } from '../../../src/io/input/rules-loader.js';
import { tempDir } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

async function setUp(intervalMs = 1000) {
  const dir = tempDir('sensortrace-tables-');
  const table = join(dir, 'limits.csv');
  writeFileSync(table, 'sensor,high\nx,100\n');
  writeFileSync(join(dir, 'rules.yaml'), 'data: { limits: { file: limits.csv } }\nrules: [{ name: hot, on: t/+, when: value > limits.high, do: { publish: { topic: "alert/{sensor}", payload: "{value}" } } }]\n');
  const loaded = await loadRules(join(dir, 'rules.yaml'));
  const engine = new RuleEngine(loaded.ruleSet, { tables: loaded.tables });
  const clock = new FakeClock();
  const heard: string[] = [];
  let heardSomething: () => void = () => undefined;
  const next = (): Promise<void> => new Promise((resolve) => (heardSomething = resolve));
  const watcher = new TableWatcher(loaded, engine, {
    clock,
    intervalMs,
    onWarning: (w) => {
      heard.push(w);
      heardSomething();
    },
    onReload: (name, rows) => {
      heard.push(`reloaded ${name} ${rows}`);
      heardSomething();
    },
  });
  const alerts = (value: number): number => engine.handle({ topic: 't/x', payload: String(value), at: clock.now() }).length;
  return { table, clock, watcher, heard, next, alerts };
}

describe('TableWatcher', () => {
  it('looks once per interval and swaps a changed table in: the next decision follows it', async () => {
    const { table, clock, watcher, heard, next, alerts } = await setUp();
    expect(alerts(60)).toBe(0);
    writeFileSync(table, 'sensor,high\nx,50\ny,70\n');
    await clock.advanceBy(999);
    expect(heard).toEqual([]);
    const reloaded = next();
    await clock.advanceBy(1);
    await reloaded;
    expect(heard).toEqual(['reloaded limits 2']);
    expect(alerts(60)).toBe(1);
    await clock.advanceBy(0); // the look finishes (its promise settles) after the reload callback
    expect(clock.pending).toBe(1); // armed again for the next look
    watcher.stop();
    expect(clock.pending).toBe(0);
  });

  it('keeps the previous table when the new file does not load, and says why', async () => {
    const { table, clock, watcher, heard, next, alerts } = await setUp();
    writeFileSync(table, 'name,high\nx,1\n');
    const warned = next();
    await clock.advanceBy(1000);
    await warned;
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/^warning: keeping the previous "limits" table: .*no key column "sensor"/);
    expect(alerts(60)).toBe(0);
    watcher.stop();
  });

  it('does nothing while the file is unchanged or missing', async () => {
    const { table, clock, watcher, heard } = await setUp();
    await clock.advanceBy(3000);
    rmSync(table);
    await clock.advanceBy(3000);
    expect(heard).toEqual([]);
    watcher.stop();
  });

  it('never looks with an interval of 0', async () => {
    const { clock } = await setUp(0);
    expect(clock.pending).toBe(0);
  });
});
