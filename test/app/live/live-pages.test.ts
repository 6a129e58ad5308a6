import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedExperimentState } from '../../../src/app/live/experiment-live.js';
import { feedReplayState, finishReplayState } from '../../../src/app/live/replay-live.js';
import { runExperiment } from '../../../src/app/experiment/experiment.js';
import { replay } from '../../../src/app/replay/replay.js';
import { ExperimentLiveState, type ExperimentApiState } from '../../../src/core/live/experiment-state.js';
import { ReplayLiveState, type ReplayApiState } from '../../../src/core/live/replay-state.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { systemClock } from '../../../src/io/clock.js';
import { startEmbeddedBroker, type RunningEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { MosquittoBroker } from '../../../src/io/broker/mosquitto-broker.js';
import { experimentView } from '../../../src/io/web/experiment-page.js';
import { LiveServer, type LiveView } from '../../../src/io/web/live-server.js';
import { replayView } from '../../../src/io/web/replay-page.js';
import { brokerKinds, tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';
import { CHROMIUM_FLAGS, watchProblems } from '../../io/output/chromium.js';

/** The little of the DOM these page functions use (the test project has no DOM types). */
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };

const HOSTILE = '<img src=x onerror=alert(1)>';
const SCREENSHOTS = process.env.LIVE_SCREENSHOTS;

let browser: Browser;
beforeAll(async () => {
  ensureBuilt(); // the experiment's embedded broker is the built CLI
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
});

/** The page at `url`, once live, and what went wrong on it (see watchProblems). */
async function openPage(url: string): Promise<{ page: Page; problems: () => Promise<string[]> }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1100 } });
  const problems = await watchProblems(page, url.replace(/\/$/, ''));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.getElementById('link')?.textContent === 'live', undefined, { timeout: 10_000 });
  return { page, problems };
}

async function serve<T>(view: LiveView, body: (url: string) => Promise<T>): Promise<T> {
  const server = new LiveServer(view, { port: 0 });
  const url = await server.start();
  try {
    return await body(url);
  } finally {
    await server.close();
  }
}

async function apiState<T>(url: string): Promise<T> {
  return (await (await fetch(`${url}api/state`)).json()) as T;
}

const textOf = (page: Page, id: string) => page.locator(`#${id}`).textContent();

/** A broker the test can restart: Mosquitto (stop/start, sessions kept) or aedes (closed, a new one on the same port). */
async function restartableBroker(kind: 'aedes' | 'mosquitto'): Promise<{ host: string; port: number; restart(downMs: number): Promise<void>; stop(): Promise<void> }> {
  if (kind === 'mosquitto') {
    const broker = new MosquittoBroker({ dir: tempDir('sensortrace-mosquitto-') });
    await broker.start();
    return { host: broker.host, port: broker.port, restart: (downMs) => broker.restart('graceful', downMs), stop: () => broker.stop('crash') };
  }
  let broker: RunningEmbeddedBroker = await startEmbeddedBroker();
  const port = broker.port;
  return {
    host: broker.host,
    port,
    restart: async (downMs) => {
      await broker.close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      broker = await startEmbeddedBroker({ port });
    },
    stop: () => broker.close(),
  };
}

function profileOf(readings: number): string {
  const rows = ['time,sensor,value', ...Array.from({ length: readings }, (_, i) => `${(i * 0.1).toFixed(1)},lab,${(20 + Math.sin(i / 8)).toFixed(2)}`)];
  const path = join(tempDir('sensortrace-live-'), 'profile.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe.each(brokerKinds)('replay --web in Chromium (%s)', (kind) => {
  it('shows sent and acknowledged reaching the profile’s rows, agrees with /api/state, marks the broker restart as an outage, text stays text', async () => {
    const rows = 80;
    const broker = await restartableBroker(kind);
    const state = new ReplayLiveState(1);
    try {
      await serve(replayView(state), async (url) => {
        const { page, problems } = await openPage(url);
        const options = feedReplayState(state, {
          profile: profileOf(rows),
          format: { timeFormat: 'relative-s' },
          topic: 'live/{sensor}',
          pacing: { mode: 'rate', hz: 25 },
          qos: 1,
          connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100, connectTimeoutMs: 5000, clientId: `live-page-${kind}` },
        }, systemClock);
        const running = replay(options);
        // Under way: the page counts, then the broker goes away and comes back.
        await page.waitForFunction(() => Number(document.getElementById('sent')?.textContent) >= 20, undefined, { timeout: 15_000 });
        await broker.restart(600);
        await page.locator('#marks li.mark-offline').waitFor({ timeout: 15_000 });
        await page.locator('#marks li.mark-reconnect').waitFor({ timeout: 15_000 });
        expect(await page.locator('#progress rect.outage').count()).toBe(1);
        // Anything the broker or client says reaches the page as text.
        state.event({ at: Date.now(), source: 'replay', event: 'error', detail: HOSTILE });
        await page.locator('#marks li.mark-error', { hasText: HOSTILE }).waitFor({ timeout: 5_000 });

        const summary = await running;
        finishReplayState(state, summary, Date.now());
        expect(summary).toMatchObject({ sent: rows, acknowledged: rows, reconnects: 1 });
        await page.waitForFunction(() => document.getElementById('phase')?.textContent === 'done', undefined, { timeout: 5_000 });
        expect([await textOf(page, 'sent'), await textOf(page, 'planned'), await textOf(page, 'published'), await textOf(page, 'reconnects')]).toEqual([String(rows), ` of ${rows}`, String(rows), '1']);
        const api = await apiState<ReplayApiState>(url);
        expect(api).toMatchObject({ phase: 'done', total: rows, planned: rows, sent: rows, acked: rows, queued: 0, reconnects: 1, connected: false });
        expect(api.outages).toHaveLength(1);
        expect(api.outages[0]!.end).not.toBeNull();
        expect(await page.locator('#outages li').count()).toBe(1);
        expect(await page.locator('img, #marks b, #outages b').count()).toBe(0);
        // Every paced send reached the page's pacing figures once: as pacing error, or as a send that waited out the outage.
        expect(api.pacing.count + api.outage_delay.count).toBe(rows);
        expect(await page.locator('#progress polyline.sent').count()).toBeGreaterThan(0);
        if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `replay-${kind}.png`), fullPage: true });
        expect(await problems()).toEqual([]);
        await page.close();
      });
    } finally {
      await broker.stop();
    }
  }, 90_000);
});

describe('experiment --web in Chromium', () => {
  it('shows the run’s progress, the restart marked as it happens, the finished run’s row as in the report; /api/state agrees', async () => {
    const profile = profileOf(60);
    const scenario = scenarioFromValue(
      {
        name: 'live page',
        profile,
        profileFormat: { timeFormat: 'relative-s' },
        rate: 30,
        qos: [1],
        restarts: [{ name: 'graceful, kept', at: '700ms', downFor: '600ms', kind: 'graceful', state: 'kept' }],
        drain: '8s',
        quiet: '1500ms',
      },
      'test',
    );
    const state = new ExperimentLiveState();
    await serve(experimentView(state), async (url) => {
      const { page, problems } = await openPage(url);
      const running = runExperiment(feedExperimentState(state, { scenario, profile, outDir: join(tempDir('sensortrace-live-exp-'), 'out') }, systemClock));
      await page.locator('#marks li.mark-fault').waitFor({ timeout: 30_000 });
      expect(await page.locator('#marks li.mark-fault').textContent()).toMatch(/broker stopped/);
      expect(await textOf(page, 'phase')).not.toBe('-');
      await page.locator('#marks li.mark-recovery').waitFor({ timeout: 30_000 });
      // A fault of another kind (a later engineer's network cut) is just another mark; its label is text.
      state.mark({ at: Date.now(), run: scenario.name, kind: 'fault', label: HOSTILE });
      const result = await running;
      const run = result.runs[0]!;
      await page.locator('#runs tbody tr').waitFor({ timeout: 10_000 });
      const cells = await page.locator('#runs tbody tr td').allTextContents();
      const api = await apiState<ExperimentApiState>(url);
      expect(api.rows).toHaveLength(1);
      expect(api.rows[0]).toMatchObject({ run: run.spec.id, sent: run.report!.sent, lost: run.report!.lost, duplicates: run.report!.duplicates, late: run.report!.late });
      expect(cells).toEqual(api.rows[0]!.cells);
      expect(await page.locator('#columns th').allTextContents()).toEqual(api.columns);
      expect(api.marks.map((m) => m.kind)).toEqual(['fault', 'recovery', 'fault']);
      expect(api.current).toMatchObject({ id: run.spec.id, phase: 'done' });
      await page.locator('#marks li', { hasText: HOSTILE }).waitFor({ timeout: 5_000 });
      expect(await page.locator('#marks li').allTextContents()).toEqual(api.marks.map((m) => expect.stringContaining(`${m.run}: ${m.label}`)).reverse());
      expect(await page.locator('img, #marks b, #runs b').count()).toBe(0);
      expect(await page.locator('#progress line.mark-fault').count()).toBeGreaterThan(0);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'experiment.png'), fullPage: true });
      expect(await problems()).toEqual([]);
      await page.close();
    });
  }, 120_000);
});
