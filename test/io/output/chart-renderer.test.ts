import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartData } from '../../../src/core/chart/chart-data.js';
import { vegaLiteSpec } from '../../../src/core/chart/vega-lite-spec.js';
import { analyse } from '../../../src/core/compare/report.js';
import type { Arrival } from '../../../src/core/compare/match.js';
import { plainDatetimes, renderSvg, svgToPng } from '../../../src/io/output/chart-renderer.js';
import { readEvents } from '../../../src/io/logs/events-reader.js';
import { readSentLog } from '../../../src/io/logs/sent-log-reader.js';
import { readReceived } from '../../../src/io/logs/trace-reader.js';

const fixtures = join(import.meta.dirname, '../../fixtures/compare');

describe('chart renderer', () => {
  it('renders the fixture comparison to an SVG with titles, axes, legend and markers, and to a PNG', async () => {
    const sent = await readSentLog(join(fixtures, 'sent.csv'));
    const arrivals: Arrival[] = [];
    await readReceived(join(fixtures, 'trace-a.csv'), arrivals);
    await readReceived(join(fixtures, 'trace-b.csv'), arrivals);
    const { report, detail } = analyse(sent, arrivals, await readEvents(join(fixtures, 'sent.events.csv')));
    const spec = vegaLiteSpec(report, chartData(sent, arrivals, report, detail), { utc: true, title: 'fixture run', width: 1000, height: 650 });
    const svg = await renderSvg(spec);
    expect(svg).toMatch(/^<svg/);
    for (const text of ['fixture run', 'time (UTC)', 'temperature (°C)', 'ms (symlog)', 'delay (arrival − planned send)', 'lost', 'duplicate', 'outage', 'sent 12 · delivered 10 · lost 2']) expect(svg).toContain(text);
    const png = await svgToPng(svg, { width: 1000 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1000); // IHDR width: scaled to exactly what was asked
    if (process.env.CHART_PREVIEW) {
      writeFileSync(`${process.env.CHART_PREVIEW}.png`, png);
      writeFileSync(`${process.env.CHART_PREVIEW}.svg`, svg);
    }
  });
});

describe('chart renderer errors', () => {
  it('fails loudly when Vega cannot draw (it would log and return a half-drawn picture)', async () => {
    // d3 cannot tick a range of two denormals apart: Vega logs "Invalid array length".
    const spec = { data: { values: [{ x: 1, y: -5e-324 }, { x: 2, y: -1e-323 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', scale: { zero: false } } } };
    await expect(renderSvg(spec)).rejects.toThrow(/cannot draw the chart: .*Invalid array length/);
  });
});

describe('plainDatetimes', () => {
  it('turns every {signal: "datetime(ms)"} into the number, deep in objects and arrays, and leaves the rest as it was', () => {
    const rows = [{ t: 1, signal: 'datetime(5)' }, { t: 2 }];
    const spec = { scales: [{ domain: [{ signal: 'datetime(1700000000000.5)' }, { signal: 'datetime(-3)' }] }, { domain: { signal: 'width' } }], data: [{ values: rows }] };
    const plain = plainDatetimes(spec) as typeof spec;
    expect(plain).toEqual({ scales: [{ domain: [1700000000000.5, -3] }, { domain: { signal: 'width' } }], data: [{ values: rows }] });
    // Copy on write: what holds no datetime is the same object (a spec's data rows are not copied), the input is untouched.
    expect(plain.data).toBe(spec.data);
    expect(plain.scales[1]).toBe(spec.scales[1]);
    expect(spec.scales[0]!.domain).toEqual([{ signal: 'datetime(1700000000000.5)' }, { signal: 'datetime(-3)' }]);
    expect(plainDatetimes('datetime(5)')).toBe('datetime(5)');
  });
});
