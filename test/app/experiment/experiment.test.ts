import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { runExperiment, type ExperimentResult } from '../../../src/app/experiment/experiment.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { mosquittoAvailable, tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';
import { processesMentioning } from '../../helpers/processes.js';

/** The embedded broker is a child process running the built CLI: build once. */
beforeAll(() => ensureBuilt(), 120_000);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** 50 readings, 0.1 s apart, replayed at 40/s: about 1.25 s, with the broker down 0.4–0.9 s. */
function fixture(): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-experiment-');
  dirs.push(dir);
  const rows = ['time,sensor,value', ...Array.from({ length: 50 }, (_, i) => `${(i * 0.1).toFixed(1)},lab,${(20 + Math.sin(i / 8)).toFixed(2)}`)];
  const profile = join(dir, 'profile.csv');
  writeFileSync(profile, `${rows.join('\n')}\n`);
  return { dir, profile };
}

function rowsIn(path: string): number {
  return readFileSync(path, 'utf8').trimEnd().split('\n').length - 1;
}

/** Every number of each run's report equals what compare says about the same files. */
async function expectReportsMatchCompare(result: ExperimentResult): Promise<void> {
  const json = JSON.parse(readFileSync(result.reports.json, 'utf8')) as { runs: Array<Record<string, unknown>> };
  for (const [i, run] of result.runs.entries()) {
    expect(run.error).toBeUndefined();
    const again = await compare({ sent: join(run.dir, 'sent.csv'), received: [join(run.dir, 'trace.csv')], events: [join(run.dir, 'broker.events.csv')] });
    const { inputs: _a, ...expected } = again.report;
    const { dir, qos, broker, broker_kind: _k, restart, restarts: _r, duration_ms: _d, replay: _p, trace: _t, inputs: _i, ...fromReport } = json.runs[i]!;
    expect({ dir, qos, broker, restart }).toEqual({ dir: run.spec.id, qos: run.spec.qos, broker: run.spec.broker.name, restart: run.spec.variant.name });
    expect(fromReport).toEqual(JSON.parse(JSON.stringify(expected)));
  }
}

describe('experiment on the embedded broker (child process)', () => {
  let result: ExperimentResult;
  let outDir: string;

  beforeAll(async () => {
    const { dir, profile } = fixture();
    outDir = join(dir, 'out');
    const scenario = scenarioFromValue(
      {
        name: 'embedded restart',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        rate: 40,
        qos: [0, 1],
        restarts: [{ name: 'graceful, kept', at: '400ms', downFor: '500ms', kind: 'graceful', state: 'kept' }],
        drain: '8s',
        quiet: '1500ms',
      },
      'test',
    );
    result = await runExperiment({ scenario, profile, outDir });
  }, 60_000);

  it('reports per run exactly what compare counts from the same files', async () => {
    expect(result.runs.map((r) => r.spec.id)).toEqual(['01-embedded-graceful-kept-q0', '02-embedded-graceful-kept-q1']);
    await expectReportsMatchCompare(result);
  });

  it('records the restart as broker events and an outage window', () => {
    for (const run of result.runs) {
      expect(run.brokerEvents.map((e) => e.event)).toEqual(['broker_stop', 'broker_start']);
      const broker = run.report!.outages.filter((o) => o.kind === 'broker');
      expect(broker).toHaveLength(1);
      expect(broker[0]!.sent).toBeGreaterThan(0);
    }
  });

  it('QoS 0: messages sent while the broker was down are counted as sent and lost', () => {
    const run = result.runs[0]!;
    const r = run.report!;
    expect(r.sent).toBe(50);
    expect(rowsIn(join(run.dir, 'sent.csv'))).toBe(50);
    expect(r.lost).toBeGreaterThan(0);
    expect(r.delivered + r.lost).toBe(50);
    const outage = r.outages.find((o) => o.kind === 'broker')!;
    expect(outage.lost).toBeGreaterThan(0);
  });

  it('QoS 1 with a persistent session and state kept loses nothing', () => {
    const r = result.runs[1]!.report!;
    expect(r.sent).toBe(50);
    expect(r.lost).toBe(0);
    expect(r.delivered).toBe(50);
  });

  it('leaves no process behind', () => {
    expect(processesMentioning(outDir)).toEqual([]);
  });

  it('writes an HTML report that opens in headless Chromium with a table, a chart and no console errors', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`network: ${r.url()}`);
      });
      await page.goto(`file://${result.reports.html}`, { waitUntil: 'load' });
      expect(await page.locator('#summary tbody tr').count()).toBe(2);
      const widths = await page.locator('img.chart').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(2);
      for (const w of widths) expect(w).toBeGreaterThan(100);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('broker state across a restart, with the recorder reconnecting after the replayer', () => {
  it('QoS 1: the broker that kept the session delivers everything; the one that lost it drops what came before the recorder was back', async () => {
    const { dir, profile } = fixture();
    const scenario = scenarioFromValue(
      {
        name: 'state kept vs lost',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        rate: 40,
        qos: [1],
        restarts: [
          { name: 'kept', at: '400ms', downFor: '400ms', kind: 'graceful', state: 'kept' },
          { name: 'lost', at: '400ms', downFor: '400ms', kind: 'graceful', state: 'lost' },
        ],
        tracerReconnect: '1200ms',
        drain: '8s',
        quiet: '1500ms',
      },
      'test',
    );
    const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
    const [kept, lost] = result.runs;
    expect(kept?.error).toBeUndefined();
    expect(lost?.error).toBeUndefined();
    expect(kept?.report).toMatchObject({ sent: 50, lost: 0 });
    // The replayer resends its queue as soon as it is back; no subscription exists for it yet.
    expect(lost?.report?.lost).toBeGreaterThan(0);
    expect(lost?.report?.sent).toBe(50);
    expect(lost!.report!.delivered + lost!.report!.lost).toBe(50);
  });
});

describe.runIf(mosquittoAvailable)('experiment on a real Mosquitto', () => {
  it('QoS 1 across a graceful restart with persistence loses nothing, and the report matches compare', async () => {
    const { dir, profile } = fixture();
    const outDir = join(dir, 'out');
    const scenario = scenarioFromValue(
      { name: 'mosquitto restart', profile, profileFormat: { timeFormat: 'relative-s' }, rate: 40, qos: [1], brokers: [{ kind: 'mosquitto', persistence: true }], restarts: [{ at: '400ms', downFor: '500ms', kind: 'graceful' }], drain: '8s', quiet: '1500ms' },
      'test',
    );
    const result = await runExperiment({ scenario, profile, outDir });
    await expectReportsMatchCompare(result);
    const r = result.runs[0]!.report!;
    // QoS 1 is at least once: a message in flight at the stop may come twice, never zero times.
    expect(r).toMatchObject({ sent: 50, delivered: 50, lost: 0 });
    expect(r.outages.filter((o) => o.kind === 'broker')).toHaveLength(1);
    expect(processesMentioning(outDir)).toEqual([]);
  }, 60_000);
});

describe('experiment on an external broker', () => {
  it('runs the stop/start commands, and a broker that does not come back fails the run with the command\'s error', async () => {
    const { dir, profile } = fixture();
    await withEmbeddedBroker(async (broker) => {
      const scenario = scenarioFromValue(
        {
          name: 'external',
          profile,
          profileFormat: { timeFormat: 'relative-s' },
          rate: 40,
          qos: [1],
          brokers: [{ kind: 'external', url: broker.url, stop: `touch ${dir}/stopped`, start: 'echo no way >&2; exit 7' }],
          restarts: [{ at: '300ms', downFor: '100ms' }],
          drain: '3s',
          quiet: '500ms',
        },
        'test',
      );
      const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
      const run = result.runs[0]!;
      expect(run.error).toMatch(/broker start command .*exit 7.*no way/);
      expect(run.brokerEvents.map((e) => e.event)).toEqual(['broker_stop']);
      expect(readFileSync(result.reports.markdown, 'utf8')).toContain('exit 7');
    });
  }, 30_000);
});
