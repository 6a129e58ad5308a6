import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watch } from '../../../src/app/watch/watch.js';
import type { LiveTraceSummary } from '../../../src/app/watch/live-view.js';
import type { ApiState } from '../../../src/core/live/live-json.js';
import type { MosquittoBroker } from '../../../src/io/broker/mosquitto-broker.js';
import { withMosquitto } from '../../helpers/brokers.js';
import { CHROMIUM_FLAGS, pageProblems } from '../../io/output/chromium.js';

/** The little of the DOM these page functions use (the test project has no DOM types). */
interface PageNode {
  textContent: string | null;
  className: string;
  querySelector(selector: string): PageNode | null;
}
declare const document: { getElementById(id: string): PageNode | null; querySelectorAll(selector: string): Iterable<PageNode> };

const HOSTILE = '<img src=x onerror=alert(1)>';

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

interface RunningWatch {
  url: string;
  stop(): Promise<LiveTraceSummary>;
}

/** watch() in-process with a live page; resolves once subscribed. */
async function startWatch(broker: MosquittoBroker, port = 0): Promise<RunningWatch> {
  const controller = new AbortController();
  let url = '';
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const running = watch({
    filters: ['temp/#'],
    qos: 0,
    connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100, connectTimeoutMs: 5000 },
    signal: controller.signal,
    web: { port },
    onWebListening: (u) => (url = u),
    onReady: () => ready(),
  });
  await Promise.race([subscribed, running]);
  return {
    url,
    stop: async () => {
      controller.abort();
      return running;
    },
  };
}

function mosquittoPub(broker: MosquittoBroker, topic: string, lines: string[]): void {
  const result = spawnSync('mosquitto_pub', ['-h', broker.host, '-p', String(broker.port), '-t', topic, '-q', '1', '-l'], { input: `${lines.join('\n')}\n`, timeout: 10_000 });
  expect(result.status, result.stderr.toString()).toBe(0);
}

async function apiState(url: string): Promise<ApiState> {
  return (await (await fetch(`${url}api/state`)).json()) as ApiState;
}

/** A row of the topics table as the page shows it, once `count` reads `count`. */
async function rowShowing(page: Page, topic: string, count: number): Promise<{ last: string }> {
  await page.waitForFunction(
    ([t, c]) => [...document.querySelectorAll('#topics tbody tr')].some((r) => r.querySelector('td.topic')?.textContent === t && r.querySelector('td.count')?.textContent === String(c)),
    [topic, count] as const,
    { timeout: 10_000 },
  );
  return page.evaluate((t) => {
    const row = [...document.querySelectorAll('#topics tbody tr')].find((r) => r.querySelector('td.topic')?.textContent === t)!;
    return { last: row.querySelector('td.last')!.textContent! };
  }, topic);
}


describe('the live page in Chromium', () => {
  it('shows 50 messages from mosquitto_pub, agrees with /api/state, keeps a hostile payload as text, marks a broker restart, follows a tool restart', async () => {
    await withMosquitto(async (broker) => {
      let run = await startWatch(broker);
      const origin = run.url.replace(/\/$/, '');
      const tabs = [await browser.newPage(), await browser.newPage()];
      const problems = tabs.map((tab) => pageProblems(tab, origin));
      for (const tab of tabs) await tab.goto(run.url, { waitUntil: 'load' });
      await tabs[0]!.waitForFunction(() => document.getElementById('link')?.textContent === 'live');

      mosquittoPub(broker, 'temp/random', Array.from({ length: 50 }, (_, i) => (20 + Math.sin(i / 5)).toFixed(2)));
      mosquittoPub(broker, 'temp/<b>bold</b>', [HOSTILE]);
      for (const tab of tabs) await rowShowing(tab, 'temp/random', 50);
      const hostile = await rowShowing(tabs[0]!, 'temp/<b>bold</b>', 1);
      expect(hostile.last).toBe(HOSTILE);
      expect(await tabs[0]!.locator('img, #topics b, #charts b, #marks b').count()).toBe(0); // text, never markup
      const state = await apiState(run.url);
      expect(state.total).toBe(51);
      expect(state.topics.find((t) => t.topic === 'temp/random')).toMatchObject({ count: 50, last_value: Number((20 + Math.sin(49 / 5)).toFixed(2)) });
      expect(state.topics.find((t) => t.topic === 'temp/<b>bold</b>')).toMatchObject({ count: 1, last_value: HOSTILE });
      expect(await tabs[0]!.locator('#total').textContent()).toBe('51');
      // Charts for topics with numbers only: the hostile payload is text.
      expect(await tabs[0]!.locator('#charts figcaption').allTextContents()).toEqual(['temp/random']);
      expect(await tabs[0]!.locator('#charts polyline.value').count()).toBeGreaterThan(0);

      // A broker restart: marked on the page (list and charts) as it happens.
      await broker.restart('graceful', 300);
      await tabs[0]!.locator('#marks li.mark-offline').waitFor({ timeout: 15_000 });
      await tabs[0]!.locator('#marks li.mark-reconnect').waitFor({ timeout: 15_000 });
      expect(await tabs[0]!.locator('#arrivals line.mark-offline').count()).toBe(1);
      expect((await apiState(run.url)).connection.reconnects).toBe(1);
      expect(problems).toEqual([[], []]);

      // The tool restarts on the same port: the open tab finds the new run by itself.
      const port = Number(new URL(run.url).port);
      const first = await run.stop();
      expect(first.received).toBe(51);
      await tabs[0]!.waitForFunction(() => document.getElementById('link')?.className === 'down');
      run = await startWatch(broker, port);
      mosquittoPub(broker, 'temp/after', ['7']);
      await rowShowing(tabs[0]!, 'temp/after', 1);
      expect(await tabs[0]!.locator('#link').textContent()).toBe('live');
      await run.stop();
      // While the tool was away the browser reported the refused connection; nothing else.
      for (const list of problems) expect(list.filter((p) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(p))).toEqual([]);
      for (const tab of tabs) await tab.close();
    });
  }, 90_000);
});

describe('the live server', () => {
  it('is read-only: only GET /, /events, /api/state; other paths 404, other methods 405; loopback Host only', async () => {
    await withMosquitto(async (broker) => {
      const run = await startWatch(broker);
      try {
        const page = await fetch(run.url);
        expect(page.status).toBe(200);
        const csp = page.headers.get('content-security-policy')!;
        expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self'/);
        expect(await page.text()).not.toMatch(/<script src|<link rel="stylesheet"|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
        for (const path of ['/nope', '/api', '/api/state/x', '/index.html']) expect((await fetch(new URL(path, run.url))).status, path).toBe(404);
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) expect((await fetch(`${run.url}api/state`, { method })).status, method).toBe(405);
        const http = await import('node:http');
        const status = await new Promise<number>((resolve, reject) => {
          const u = new URL(run.url);
          http.get({ host: u.hostname, port: u.port, path: '/api/state', headers: { host: `rebound.example:${u.port}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          }).on('error', reject);
        });
        expect(status).toBe(403);
      } finally {
        await run.stop();
      }
    });
  }, 30_000);
});
