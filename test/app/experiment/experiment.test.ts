import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { runExperiment, type ExperimentResult } from '../../../src/app/experiment/experiment.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { mosquittoAvailable, tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';
import { processesMentioning } from '../../helpers/processes.js';

/** The embedded broker is a child process running the built CLI: build once. */
beforeAll(() => ensureBuilt(), 120_000);

/** 50 readings, 0.1 s apart, replayed at 40/s: about 1.25 s, with the broker down 0.4–0.9 s. */
function fixture(readings = 50): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-experiment-');
  const rows = ['time,sensor,value', ...Array.from({ length: readings }, (_, i) => `${(i * 0.1).toFixed(1)},lab,${(20 + Math.sin(i / 8)).toFixed(2)}`)];
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
    const { dir, qos, broker, broker_kind: _k, restart, restarts: _r, duration_ms: _d, replay: _p, trace: _t, broker_sys: _s, inputs: _i, ...fromReport } = json.runs[i]!;
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
      // Each run's computed story states the lost and late counts its table row shows.
      const rows = await page.locator('#summary tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      for (const row of rows) {
        const story = await page.locator(`section[id="run-${row[0]}"] p.narrative`).textContent();
        const [lost, late] = [Number(row[6]), Number(row[8])];
        expect(story).toContain(lost === 0 ? 'Nothing was lost' : `Lost ${lost}`);
        if (late > 0) expect(story).toContain(`Late ${late}:`);
        else expect(story).not.toContain('Late ');
        expect(story).toMatch(/The broker stopped at \d\d:\d\d:\d\d\.\d{3} \(graceful, state kept\)/);
      }
      expect(await page.locator('p.intent').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

/**
 * The choreography of the tests below, on the replay's timeline (120 readings, 40/s, one every
 * 25 ms: 3 s): the broker stops right after the reading planned at 400 ms and is due back at
 * 500 ms; the replayer is let back at 2000 ms (time for a loaded machine to start the broker), the
 * recorder right after the reading planned at 2150 ms (150 ms later).
 */
const CHOREOGRAPHED = {
  rate: 40,
  qos: [1],
  replayer: { back: 'at', at: '1500ms' },
  recorder: { back: 'after-replayer', gap: '150ms' },
  drain: '8s',
  quiet: '1500ms',
};
const READINGS = 120;
const RESTART = { at: '400ms', downFor: '100ms', kind: 'graceful' };

function plannedOffsets(dir: string): Map<number, number> {
  const lines = readFileSync(join(dir, 'sent.csv'), 'utf8').trimEnd().split('\n').slice(1);
  // seq and planned_at come before the payload, the only cell that may hold commas.
  const rows = lines.map((l) => l.split(','));
  const first = Number(rows[0]![7]);
  return new Map(rows.map((r) => [Number(r[0]), Number(r[7]) - first]));
}

function lostSeqs(dir: string): number[] {
  // seq is the sixth cell from the end (after the payload, which may hold commas).
  const received = new Set(readFileSync(join(dir, 'trace.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.split(',').at(-6))));
  return [...plannedOffsets(dir).keys()].filter((seq) => !received.has(seq));
}

describe('broker state across a restart, the recorder let back after the replayer', () => {
  it('QoS 1: the broker that kept the session delivers everything; the one that lost it drops what came before the recorder was back', async () => {
    const { dir, profile } = fixture(READINGS);
    const scenario = scenarioFromValue(
      {
        name: 'state kept vs lost',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        ...CHOREOGRAPHED,
        restarts: [
          { name: 'kept', ...RESTART, state: 'kept' },
          { name: 'lost', ...RESTART, state: 'lost' },
        ],
      },
      'test',
    );
    const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
    const [kept, lost] = result.runs;
    expect(kept?.error).toBeUndefined();
    expect(lost?.error).toBeUndefined();
    expect(kept?.report).toMatchObject({ sent: READINGS, delivered: READINGS, lost: 0, duplicates: 0 });
    // Lost: exactly what reached the broker after the cut and before the recorder's SUBSCRIBE,
    // the messages planned after the reading at 400 ms up to the one at 2150 ms: the replay's gate
    // holds each side of both moments by planned time, however late the process runs.
    const offsets = plannedOffsets(lost!.dir);
    const expected = [...offsets].filter(([, at]) => at > 400 + 1 && at <= 2150 + 1).map(([seq]) => seq);
    expect(expected.length).toBeGreaterThan(60);
    const lostNow = lostSeqs(lost!.dir);
    expect(lostNow).toEqual(expected);
    expect(lost!.report).toMatchObject({ sent: READINGS, lost: lostNow.length, delivered: READINGS - lostNow.length, duplicates: 0 });
  }, 60_000);

  it('QoS 1, state lost: three runs, the same counts', async () => {
    const { dir, profile } = fixture(READINGS);
    const scenario = scenarioFromValue(
      {
        name: 'state lost, three times',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        ...CHOREOGRAPHED,
        restarts: [1, 2, 3].map((n) => ({ name: `lost ${n}`, ...RESTART, state: 'lost' })),
      },
      'test',
    );
    const result = await runExperiment({ scenario, profile, outDir: join(dir, 'out') });
    const counts = result.runs.map((run) => {
      expect(run.error).toBeUndefined();
      const { sent, delivered, lost, duplicates, late } = run.report!;
      return { sent, delivered, lost, duplicates, late, lostSeqs: lostSeqs(run.dir) };
    });
    expect(counts[0]!.lost).toBeGreaterThan(0);
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);
  }, 120_000);
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
