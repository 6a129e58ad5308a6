import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { tempDir } from '../../helpers/brokers.js';
import { watchProblems, withChromium } from '../../io/output/chromium.js';
import type { Page } from 'playwright-core';

const fixtures = join(import.meta.dirname, '../../fixtures/compare');

/** Each time axis' tick labels: they follow the x domain. */
async function timeAxes(page: Page): Promise<string[]> {
  return page.locator('.live svg g.role-axis[aria-label^="X-axis"]').evaluateAll((axes) => axes.map((a) => [...a.querySelectorAll('.role-axis-label text')].map((t) => t.textContent).join(' ')));
}

describe('compare --format html: an interactive chart that works offline', () => {
  let html: string;
  let text: string;
  beforeAll(async () => {
    const dir = tempDir();
    const { files } = await compare({ sent: join(fixtures, 'sent.csv'), received: [join(fixtures, 'trace-a.csv'), join(fixtures, 'trace-b.csv')], output: join(dir, 'cmp'), formats: ['html'], utc: true, title: 'fixture run' });
    expect(files).toEqual([join(dir, 'cmp.html')]);
    html = files[0]!;
    text = readFileSync(html, 'utf8');
  });

  it('allows its scripts by hash only, loads nothing, and carries vega but not vega-lite', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(text)![1]!;
    expect(csp).toMatch(/^default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src( 'sha256-[A-Za-z0-9+/=]{44}'){3}$/);
    expect(text).not.toMatch(/<script[^>]+src=|<link|<iframe|(src|href)=["']?(https?:)?\/\//);
    expect(text).not.toContain('vega-lite.min');
    // Page size: vega (~520 kB) and vega-embed (~60 kB) inlined, plus the chart.
    expect(text.length).toBeLessThan(1_000_000);
  });

  it('in Chromium: no console or CSP errors; wheel zooms both time axes; a lost point has its tooltip', async () => {
    await withChromium(async (context) => {
      const page = await context.newPage();
      const problems = await watchProblems(page);
      await page.goto(`file://${html}`);
      await page.locator('figure.live-ready').waitFor({ timeout: 15_000 });
      await expect(page.locator('figure .static').isVisible()).resolves.toBe(false);
      const lost = page.locator('.live path[aria-label*="series: lost"]');
      expect(await lost.count()).toBe(2);

      const before = await timeAxes(page);
      expect(before).toHaveLength(2);
      const box = (await lost.first().boundingBox())!;
      await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2);
      await page.mouse.wheel(0, -600);
      await expect.poll(() => timeAxes(page)).not.toEqual(before);
      const after = await timeAxes(page);
      // Both panels share the zoomed scale: the same new domain on each.
      expect(after[0]).toBe(after[1]);
      const moved = (await lost.first().boundingBox())!;
      expect(Math.abs(moved.x - box.x)).toBeGreaterThan(5);

      await lost.first().hover();
      const tooltip = page.locator('#vg-tooltip-element.visible');
      await tooltip.waitFor({ timeout: 5000 });
      const tip = await tooltip.innerText();
      for (const expected of ['lost', 'seq', '4', 'hdd1', '31.5', 'not received', '2023-11-14 22:13:23.000']) expect(tip).toContain(expected);
      await page.screenshot({ path: join(tempDir(), 'compare-html.png') });
      if (process.env.CHART_PREVIEW) await page.screenshot({ path: `${process.env.CHART_PREVIEW}-compare-html.png` });
      expect(await problems()).toEqual([]);
    });
  });

  it('with JavaScript off, the static chart is there', async () => {
    await withChromium(
      async (context) => {
        const page = await context.newPage();
        await page.goto(`file://${html}`);
        const svg = page.locator('figure .static svg');
        expect(await svg.isVisible()).toBe(true);
        expect((await svg.boundingBox())!.width).toBeGreaterThan(600);
        expect(await svg.locator('text', { hasText: 'fixture run' }).count()).toBe(1);
        expect(await page.locator('.live').count()).toBe(0);
        if (process.env.CHART_PREVIEW) await page.screenshot({ path: `${process.env.CHART_PREVIEW}-compare-html-nojs.png` });
      },
      { javaScriptEnabled: false },
    );
  });
});
