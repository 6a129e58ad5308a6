import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentResult } from '../../../src/app/experiment/experiment.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { sysCounter } from '../../../src/core/sys/sys-counters.js';
import { mosquittoAvailable, tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';

/** The embedded broker is a child process running the built CLI: build once. */
beforeAll(() => ensureBuilt(), 120_000);

function fixture(readings: number): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-sys-');
  const rows = ['time,sensor,value', ...Array.from({ length: readings }, (_, i) => `${(i * 0.1).toFixed(1)},lab,${(20 + Math.sin(i / 8)).toFixed(2)}`)];
  const profile = join(dir, 'profile.csv');
  writeFileSync(profile, `${rows.join('\n')}\n`);
  return { dir, profile };
}

function sysTopics(dir: string): string[] {
  const lines = readFileSync(join(dir, 'broker.sys.csv'), 'utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('at,topic,value');
  return lines.slice(1).map((l) => l.split(',')[1]!);
}

/**
 * The sent log's messages that reached the broker before the cut at `at`: those planned before it
 * (planned_at is its eighth cell), all published and acknowledged before the broker went (the
 * experiment's gate held the later ones), even when the loaded machine sent them after `at`.
 */
function publishedBefore(dir: string, at: number): number {
  const lines = readFileSync(join(dir, 'sent.csv'), 'utf8').trimEnd().split('\n').slice(1);
  return lines.filter((l) => Number(l.split(',')[7]) < at && l.split(',')[8] !== '').length;
}

describe.runIf(mosquittoAvailable)("the broker's own view on a real Mosquitto", () => {
  let result: ExperimentResult;

  /**
   * One restart (state kept), the recorder held offline for a second after the replayer is back:
   * a default Mosquitto queues what comes meanwhile for the recorder's session; one with
   * max_queued_messages 10 drops all but 10, and its $SYS counter says so.
   */
  beforeAll(async () => {
    const { dir, profile } = fixture(120);
    const scenario = scenarioFromValue(
      {
        name: 'broker queue',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        rate: 40,
        qos: [1],
        brokers: [{ kind: 'mosquitto' }, { kind: 'mosquitto', name: 'small-queue', config: ['max_queued_messages 10'] }],
        restarts: [{ name: 'kept', at: '400ms', downFor: '100ms', kind: 'graceful', state: 'kept' }],
        replayer: { back: 'at', at: '1000ms' },
        recorder: { back: 'after-replayer', gap: '1000ms' },
        drain: '8s',
        quiet: '1500ms',
      },
      'test',
    );
    result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
  }, 90_000);

  it('each run records broker.sys.csv across the restart, and the counters cover the whole run', () => {
    for (const run of result.runs) {
      expect(run.error).toBeUndefined();
      expect(existsSync(join(run.dir, 'broker.sys.csv'))).toBe(true);
      const topics = sysTopics(run.dir);
      expect(topics).toContain('$SYS/broker/publish/messages/received');
      expect(run.sys).toMatchObject({ restarts: 1, rows: topics.length });
      expect(run.sys!.error).toBeUndefined();
      // Every PUBLISH the replayer made reached the broker; what it counted after its last tick
      // before the stop is not in the counters (the old broker never published it).
      const stopAt = run.brokerEvents.find((e) => e.event === 'broker_stop')!.at;
      expect(sysCounter(run.sys, 'publish_received')!.delta).toBeGreaterThanOrEqual(run.replay!.published - publishedBefore(run.dir, stopAt));
    }
  });

  it('the default queue: nothing lost, nothing dropped', () => {
    const run = result.runs[0]!;
    expect(run.report).toMatchObject({ sent: 120, lost: 0 });
    expect(sysCounter(run.sys, 'publish_dropped')!.delta).toBe(0);
  });

  it('max_queued_messages 10: the loss is the broker\'s, and the report says so beside the clients\' counts', () => {
    const run = result.runs[1]!;
    const lost = run.report!.lost;
    const dropped = sysCounter(run.sys, 'publish_dropped')!.delta;
    expect(lost).toBeGreaterThan(20);
    expect(dropped).toBeGreaterThanOrEqual(lost);
    const markdown = readFileSync(result.reports.markdown, 'utf8');
    const section = markdown.slice(markdown.indexOf(`## ${run.spec.id}`));
    expect(section).toContain(`Lost ${lost}`);
    expect(section).toContain(`the broker dropped ${dropped} (publish/messages/dropped`);
    expect(section).toContain(`[broker.sys.csv](${run.spec.id}/broker.sys.csv)`);
    expect(section).toMatch(new RegExp(`\\| PUBLISH dropped \\(publish/messages/dropped\\) \\| 0 \\| \\d+ \\| \\+${dropped} \\| lost ${lost} \\|`));
    expect(section).toMatch(/\| PUBLISH received \(publish\/messages\/received\) \| \d+ \| \d+ \| \+\d+ \| the replayer published \d+ \|/);
    const html = readFileSync(result.reports.html, 'utf8');
    expect(html).toContain('<table class="sys">');
    expect(html).toContain(`the broker dropped ${dropped} (publish/messages/dropped`);
    const json = JSON.parse(readFileSync(result.reports.json, 'utf8')) as { runs: Array<{ broker_sys?: { counters: Record<string, { change: number }> } }> };
    expect(json.runs[1]!.broker_sys!.counters.publish_dropped!.change).toBe(dropped);
    // The default broker's section says the broker dropped none.
    expect(markdown.slice(markdown.indexOf(`## ${result.runs[0]!.spec.id}`), markdown.indexOf(`## ${run.spec.id}`))).toMatch(/\| PUBLISH dropped \(publish\/messages\/dropped\) \| 0 \| 0 \| 0 \| lost 0 \|/);
  });
});

describe("the broker's own view on the embedded broker", () => {
  it('records what aedes publishes (client connects), and the report says it has no counters', async () => {
    const { dir, profile } = fixture(20);
    const scenario = scenarioFromValue({ name: 'aedes sys', profile, profileFormat: { timeFormat: 'relative-s' }, rate: 40, qos: [1], drain: '5s', quiet: '500ms' }, 'test');
    const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
    const run = result.runs[0]!;
    expect(run.error).toBeUndefined();
    expect(sysTopics(run.dir).some((t) => /^\$SYS\/[^/]+\/new\/clients$/.test(t))).toBe(true);
    expect(sysCounter(run.sys, 'client_connects')!.delta).toBeGreaterThanOrEqual(2);
    expect(readFileSync(result.reports.markdown, 'utf8')).toMatch(/The broker's own view.*aedes publishes only client connects/);
  }, 30_000);
});
