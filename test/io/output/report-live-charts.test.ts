import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { livePage } from '../../../src/core/chart/live-chart.js';
import type { ReportRunInput } from '../../../src/core/report/model.js';
import { cspHash as scriptHash } from '../../../src/io/output/csp-hash.js';
import { liveChartAssets } from '../../../src/io/output/interactive-chart.js';
import { writeExperimentReports } from '../../../src/io/output/report-writer.js';
import { tempDir } from '../../helpers/brokers.js';
import { watchProblems, withChromium } from './chromium.js';

const fixtures = join(import.meta.dirname, '../../fixtures/compare');

/** An experiment's folder with two runs compared from the fixture logs (png + the live chart), and its reports. */
async function experimentFolder(formats: Array<'png' | 'vg' | 'json'>): Promise<string> {
  const outDir = tempDir();
  const runs: ReportRunInput[] = [];
  const chartFiles = new Map<string, string[]>();
  for (const dir of ['qos1-a', 'qos1-b']) {
    const { report, files } = await compare({ sent: join(fixtures, 'sent.csv'), received: [join(fixtures, 'trace-a.csv'), join(fixtures, 'trace-b.csv')], output: join(outDir, dir, 'compare'), formats, utc: true, title: dir });
    runs.push({ dir, qos: 1, broker: 'embedded', brokerKind: 'embedded', restart: 'graceful', restarts: [], report, durationMs: 1000 });
    chartFiles.set(dir, files);
  }
  return writeExperimentReports(outDir, { name: 'live charts', startedAt: 1_700_000_000_000, durationMs: 2000, interrupted: false }, runs, chartFiles).html;
}

describe('report.html with live charts', () => {
  let html: string;
  beforeAll(async () => {
    html = await experimentFolder(['png', 'vg', 'json']);
  });

  it("carries each run's live chart and image, its scripts allowed by hash, nothing else", () => {
    const text = readFileSync(html, 'utf8');
    const assets = liveChartAssets();
    expect(text).toContain(`script-src ${assets.scriptSources.join(' ')}"`);
    expect(text).not.toMatch(/unsafe-eval|script-src[^"]*unsafe-inline/);
    expect(text.match(/<figure data-live-chart>/g)).toHaveLength(2);
    expect(text.match(/<img [^>]*class="chart"/g)).toHaveLength(2);
    // Every executable script is one the CSP names.
    const scripts = [...text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => scriptHash(m[1]!));
    expect(scripts).toEqual(assets.scriptSources);
  });

  it('without live charts (no vg file), the page stays script-free', async () => {
    const text = readFileSync(await experimentFolder(['png', 'json']), 'utf8');
    expect(text).not.toContain('<script');
    expect(text).toContain(`content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`);
  });

  it("in Chromium: both charts go live without console or CSP errors; zoom and a lost point's tooltip work; images without JavaScript", async () => {
    await withChromium(async (context) => {
      const page = await context.newPage();
      const problems = await watchProblems(page);
      await page.goto(`file://${html}`);
      await expect.poll(() => page.locator('figure.live-ready').count(), { timeout: 15_000 }).toBe(2);
      expect(await page.locator('img.chart').evaluateAll((imgs) => imgs.filter((i) => (i as unknown as { offsetParent: unknown }).offsetParent !== null).length)).toBe(0);

      const second = page.locator('figure.live-ready').nth(1);
      const lost = second.locator('path[aria-label*="series: lost"]').first();
      await lost.scrollIntoViewIfNeeded();
      const before = (await lost.boundingBox())!;
      await page.mouse.move(before.x + 60, before.y);
      await page.mouse.wheel(0, -500);
      await expect.poll(async () => Math.round((await lost.boundingBox())!.x)).not.toBe(Math.round(before.x));
      await lost.hover();
      const tooltip = page.locator('#vg-tooltip-element.visible');
      await tooltip.waitFor({ timeout: 5000 });
      expect(await tooltip.innerText()).toContain('not received');
      if (process.env.CHART_PREVIEW) await page.screenshot({ path: `${process.env.CHART_PREVIEW}-report.png`, fullPage: true });
      expect(await problems()).toEqual([]);
    });
    await withChromium(
      async (context) => {
        const page = await context.newPage();
        await page.goto(`file://${html}`);
        const widths = await page.locator('img.chart').evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number; offsetParent: unknown }).offsetParent !== null ? (i as unknown as { naturalWidth: number }).naturalWidth : 0));
        expect(widths).toEqual([1200, 1200]);
      },
      { javaScriptEnabled: false },
    );
  });

  it('the problem watcher sees a script the CSP does not allow (so the test above can fail)', async () => {
    const dir = tempDir();
    const page = livePage('x', '<figure></figure>', liveChartAssets()).replace('</body>', '<script>document.title = "ran"</script>\n</body>');
    writeFileSync(join(dir, 'bad.html'), page);
    await withChromium(async (context) => {
      const tab = await context.newPage();
      const problems = await watchProblems(tab);
      await tab.goto(`file://${join(dir, 'bad.html')}`);
      expect(await tab.title()).toBe('x');
      await expect.poll(async () => (await problems()).join('\n')).toMatch(/CSP: script-src/);
    });
  });
});
