import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chartData } from '../../src/core/chart/chart-data.js';
import { gnuplotData, gnuplotScript } from '../../src/core/chart/gnuplot.js';
import { vegaLiteSpec } from '../../src/core/chart/vega-lite-spec.js';
import { analyse, type Arrival, type SentMessage } from '../../src/core/compare/report.js';
import type { ConnectionEvent } from '../../src/core/records.js';
import { renderSvg } from '../../src/io/output/chart-renderer.js';
import { tempDir } from '../helpers/brokers.js';

const GNUPLOT = '/usr/bin/gnuplot';
const gnuplotInstalled = existsSync(GNUPLOT);
if (!gnuplotInstalled && process.env.CI) throw new Error('CI requires gnuplot (apt-get install gnuplot-nox)');

const T = 1_700_000_000_000;

/** A message's fate, and how much of its timing the logs carry. */
interface MessageShape {
  fate: 'delivered' | 'lost' | 'duplicated';
  gapMs: number;
  latencyMs: number;
  value: number;
}

interface Shape {
  sensors: number;
  messages: MessageShape[];
  /** full: planned and published times; planned-only: no latency; none: only profile times (no latency, no delay). */
  timing: 'full' | 'planned-only' | 'none';
  outage: 'none' | 'closed' | 'open-at-end';
}

const message = fc.record({
  fate: fc.constantFrom('delivered', 'lost', 'duplicated'),
  gapMs: fc.integer({ min: 0, max: 5000 }),
  latencyMs: fc.integer({ min: 0, max: 8000 }),
  value: fc.double({ min: -40, max: 120, noNaN: true }),
}) as fc.Arbitrary<MessageShape>;

const shapes: fc.Arbitrary<Shape> = fc.record({
  sensors: fc.integer({ min: 1, max: 12 }),
  messages: fc.array(message, { maxLength: 40 }),
  timing: fc.constantFrom('full', 'planned-only', 'none'),
  outage: fc.constantFrom('none', 'closed', 'open-at-end'),
});

const delivered = (value: number, gapMs = 1000, latencyMs = 5): MessageShape => ({ fate: 'delivered', gapMs, latencyMs, value });
const lost = (value: number): MessageShape => ({ fate: 'lost', gapMs: 1000, latencyMs: 0, value });

/** The shapes the issue names, always tried before the generated ones. */
const named: Record<string, Shape> = {
  'nothing sent': { sensors: 1, messages: [], timing: 'full', outage: 'none' },
  'nothing received': { sensors: 1, messages: [1, 2, 3, 4, 5].map(lost), timing: 'full', outage: 'none' },
  'one point': { sensors: 1, messages: [delivered(21.5)], timing: 'full', outage: 'none' },
  'one point, lost': { sensors: 1, messages: [lost(21.5)], timing: 'full', outage: 'none' },
  'no latency': { sensors: 1, messages: [20, 21, 22].map((v) => delivered(v)), timing: 'none', outage: 'closed' },
  'one sensor, flat': { sensors: 1, messages: [20, 20, 20].map((v) => delivered(v, 0, 0)), timing: 'full', outage: 'none' },
  'many sensors': { sensors: 12, messages: Array.from({ length: 40 }, (_, i) => (i % 7 ? delivered(20 + i) : lost(20 + i))), timing: 'full', outage: 'closed' },
  'nothing sent, the broker gone': { sensors: 1, messages: [], timing: 'full', outage: 'open-at-end' },
  'outage open at the end': { sensors: 2, messages: [20, 21, 22, 23].map((v, i) => (i < 2 ? delivered(v) : lost(v))), timing: 'full', outage: 'open-at-end' },
};

/** Sent log, arrivals and events for a shape; messages go round the sensors. */
function build(shape: Shape): { sent: SentMessage[]; arrivals: Arrival[]; events: ConnectionEvent[] } {
  const sent: SentMessage[] = [];
  const arrivals: Arrival[] = [];
  let at = T;
  shape.messages.forEach((m, i) => {
    at += m.gapMs;
    const sensor = `s${i % shape.sensors}`;
    const s: SentMessage = { seq: i + 1, sensor, topic: `t/${sensor}`, qos: 1, profileTime: at, value: m.value };
    if (shape.timing !== 'none') s.plannedAt = at;
    if (shape.timing === 'full') s.publishedAt = at + 0.5;
    sent.push(s);
    if (m.fate === 'lost') return;
    arrivals.push({ receivedAt: at + 0.5 + m.latencyMs, topic: s.topic, seq: s.seq, value: m.value });
    if (m.fate === 'duplicated') arrivals.push({ receivedAt: at + 1 + m.latencyMs * 2, topic: s.topic, seq: s.seq, value: m.value });
  });
  const middle = T + (at - T) / 2;
  const events: ConnectionEvent[] = [];
  if (shape.outage === 'closed') events.push({ at: middle, source: 'broker', event: 'broker_stop' }, { at: middle + 700, source: 'broker', event: 'broker_start' });
  if (shape.outage === 'open-at-end') events.push({ at: middle, source: 'broker', event: 'broker_stop' });
  return { sent, arrivals, events };
}

/** Runs the script with the real gnuplot (killed if it hangs); returns its PNG. */
function gnuplotPng(dir: string, name: string, shape: Shape): Buffer {
  const { sent, arrivals, events } = build(shape);
  const { report, detail } = analyse(sent, arrivals, events);
  const data = chartData(sent, arrivals, report, detail);
  const base = join(dir, name);
  writeFileSync(`${base}.dat`, gnuplotData(data, { utc: true }));
  writeFileSync(`${base}.gp`, gnuplotScript(report, data, { utc: true, fallbackBase: base, width: 900, height: 560 }));
  const result = spawnSync(GNUPLOT, [`${base}.gp`], { encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL' });
  expect(result.signal, `${name}: gnuplot killed`).toBeNull();
  // Not even a warning (an autoscaled empty range warns before it fails).
  expect(result.stderr, `${name}: ${JSON.stringify(shape)}`).toBe('');
  expect(result.status).toBe(0);
  return readFileSync(`${base}.gnuplot.png`);
}

async function vegaSvg(shape: Shape, interactive: boolean): Promise<string> {
  const { sent, arrivals, events } = build(shape);
  const { report, detail } = analyse(sent, arrivals, events);
  return renderSvg(vegaLiteSpec(report, chartData(sent, arrivals, report, detail), { utc: true, interactive, width: 900, height: 560 }));
}

function expectPng(png: Buffer): void {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(900);
  expect(png.length).toBeGreaterThan(5000);
}

describe('property: every shape of data draws, through real gnuplot and through Vega', () => {
  it.skipIf(!gnuplotInstalled).each(Object.keys(named))('gnuplot: %s', (name) => {
    const dir = tempDir();
    const png = gnuplotPng(dir, name.replace(/\W+/g, '-'), named[name]!);
    expectPng(png);
    if (process.env.CHART_PREVIEW) copyFileSync(join(dir, `${name.replace(/\W+/g, '-')}.gnuplot.png`), `${process.env.CHART_PREVIEW}-${name.replace(/\W+/g, '-')}.gnuplot.png`);
  });

  it.skipIf(!gnuplotInstalled)('gnuplot: generated shapes', () => {
    const dir = tempDir();
    let n = 0;
    fc.assert(
      fc.property(shapes, (shape) => {
        expectPng(gnuplotPng(dir, `generated-${n++}`, shape));
      }),
      { numRuns: 40, seed: 12 },
    );
  });

  it.each(Object.keys(named))('Vega SVG, static and interactive: %s', async (name) => {
    for (const interactive of [false, true]) {
      const svg = await vegaSvg(named[name]!, interactive);
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain('value over time');
      if (process.env.CHART_PREVIEW && !interactive) writeFileSync(`${process.env.CHART_PREVIEW}-${name.replace(/\W+/g, '-')}.svg`, svg);
    }
  });

  it('Vega SVG: generated shapes', async () => {
    await fc.assert(
      fc.asyncProperty(shapes, fc.boolean(), async (shape, interactive) => {
        const svg = await vegaSvg(shape, interactive);
        expect(svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
        expect(svg.length).toBeGreaterThan(5000);
      }),
      { numRuns: 25, seed: 12 },
    );
  });
});
