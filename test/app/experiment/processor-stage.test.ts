import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../../../src/app/experiment/experiment.js';
import { parseScenario, scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';

/** The embedded broker is a child process running the built CLI: build once. */
beforeAll(() => ensureBuilt(), 120_000);

describe('a processor between replayer and recorder', () => {
  it('scenarios/cep-outage.json: across a restart, arrival-time averages go wrong, event-time ones stay right', async () => {
    const file = resolve('scenarios/cep-outage.json');
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const baseDir = dirname(file);
    const outDir = join(tempDir('sensortrace-cep-outage-'), 'out');
    const result = await runExperiment({ scenario, profile: resolve(baseDir, scenario.profile), outDir, baseDir });
    const [run] = result.runs;
    expect(run?.error).toBeUndefined();
    const byName = Object.fromEntries((run?.derived ?? []).map((d) => [d.name, d.report]));
    // Every derived event arrives (the processor's persistent session keeps its subscription through the restart).
    expect(byName.event).toMatchObject({ sent: 40, delivered: 40, lost: 0, value_mismatches: 0 });
    expect(byName.arrival).toMatchObject({ sent: 40, delivered: 40, lost: 0 });
    // The burst after the restart: arrival-time windows hold it without the readings before the outage.
    expect(byName.arrival!.value_mismatches).toBeGreaterThan(0);
    expect(run?.processor).toMatchObject({ received: 40, late: { dropped: 0, corrected: 0, routed: 0 } });
    const markdown = readFileSync(result.reports.markdown, 'utf8');
    expect(markdown).toMatch(/derived arrival \(cep\/avg\/arrival\/\+, expect .*\): 40 sent, 40 derived events delivered, 0 lost, \d+ late, [1-9]\d* wrong values/);
    expect(markdown).toMatch(/derived event \(cep\/avg\/event\/\+, expect .*\): 40 sent, 40 derived events delivered, 0 lost, \d+ late, 0 wrong values/);
  }, 90_000);

  it('"restart": true stops the processor with the broker and starts a new one: its windows start empty', async () => {
    const file = resolve('scenarios/cep-outage.json');
    const shipped = parseScenario(readFileSync(file, 'utf8'), file);
    const scenario = { ...shipped, processor: { ...shipped.processor!, restart: true } } as typeof shipped;
    const baseDir = dirname(file);
    const outDir = join(tempDir('sensortrace-cep-restart-'), 'out');
    const result = await runExperiment({ scenario, profile: resolve(baseDir, scenario.profile), outDir, baseDir });
    const [run] = result.runs;
    expect(run?.error).toBeUndefined();
    // Two lives, two logs; counts summed over both.
    expect(readFileSync(join(run!.dir, 'process.csv'), 'utf8').split('\n').length).toBeGreaterThan(2);
    expect(readFileSync(join(run!.dir, 'process-2.csv'), 'utf8').split('\n').length).toBeGreaterThan(2);
    expect(run?.processor?.reconnects).toBeGreaterThanOrEqual(1);
    // Event time cannot bring back a window the restart emptied: derived events lost or wrong.
    const event = run?.derived?.find((d) => d.name === 'event')?.report;
    expect(event!.lost + event!.value_mismatches).toBeGreaterThan(0);
    expect(event!.sent).toBe(40);
  }, 90_000);

  it('runs an external processor command, told the broker by MQTT_HOST/MQTT_PORT, ready on a line it prints', async () => {
    const dir = tempDir('sensortrace-external-processor-');
    const profile = join(dir, 'x.csv');
    writeFileSync(profile, `time,x\n${Array.from({ length: 20 }, (_, i) => `${(i * 0.05).toFixed(2)},${(i / 10).toFixed(1)}`).join('\n')}\n`);
    const bin = resolve('dist/cli/bin.js');
    const rules = resolve('rules/sin.yaml');
    const scenario = scenarioFromValue(
      {
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        topic: 'cep/x',
        rate: 50,
        qos: 1,
        drain: '5s',
        quiet: '1s',
        processor: { command: `exec node ${bin} process ${rules} -h "$MQTT_HOST" -p "$MQTT_PORT"`, ready: 'listening on', outputs: { sin: 'cep/sin' }, expect: 'sin(value)' },
      },
      'test',
    );
    const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
    const [run] = result.runs;
    expect(run?.error).toBeUndefined();
    expect(run?.derived?.[0]?.report).toMatchObject({ sent: 20, delivered: 20, lost: 0, value_mismatches: 0 });
    expect(readFileSync(join(run!.dir, 'processor.log'), 'utf8')).toMatch(/listening on/);
  }, 60_000);

  it('names the field of a bad processor section', () => {
    const bad = (processor: unknown): string => {
      try {
        scenarioFromValue({ profile: 'p.csv', processor }, 'test');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ outputs: { a: 'x' } })).toMatch(/processor: give either "rules" .* or "command"/);
    expect(bad({ rules: 'r.yaml', command: 'x', outputs: { a: 'x' } })).toMatch(/processor: give either/);
    expect(bad({ rules: 'r.yaml' })).toMatch(/processor\.outputs: is required/);
    expect(bad({ rules: 'r.yaml', outputs: { a: 'x/#/y' } })).toMatch(/processor\.outputs\.a: /);
    expect(bad({ rules: 'r.yaml', ready: 'x', outputs: { a: 'x' } })).toMatch(/processor\.ready: goes with "command"/);
    expect(bad({ command: 'x', restart: true, outputs: { a: 'x' } })).toMatch(/processor\.restart: goes with "rules"/);
    expect(bad({ rules: 'r.yaml', restart: 'yes', outputs: { a: 'x' } })).toMatch(/processor\.restart: expected true/);
  });
});
