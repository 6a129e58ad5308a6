import { describe, expect, it } from 'vitest';
import { chartData } from '../../../src/core/chart/chart-data.js';
import { jsonForScript, liveFigure, pageCsp } from '../../../src/core/chart/live-chart.js';
import { SERIES_COLORS, SERIES_SHAPES, vegaLiteSpec } from '../../../src/core/chart/vega-lite-spec.js';
import { analyse, type Arrival, type SentMessage } from '../../../src/core/compare/report.js';
import { validate } from './vega-lite-schema.js';

const T = 1_700_000_000_000;

function sample() {
  const sent: SentMessage[] = [];
  const arrivals: Arrival[] = [];
  for (let i = 0; i < 30; i++) {
    const s: SentMessage = { seq: i + 1, sensor: i % 2 ? 'b' : 'a', topic: 't', qos: 1, profileTime: T + i, value: 20 + i, plannedAt: T + i * 100, publishedAt: T + i * 100 + 1 };
    sent.push(s);
    if (i % 7 === 3) continue;
    arrivals.push({ receivedAt: T + i * 100 + 5, topic: 't', seq: s.seq, value: s.value });
    if (i === 10) arrivals.push({ receivedAt: T + i * 100 + 50, topic: 't', seq: s.seq, value: s.value });
  }
  const { report, detail } = analyse(sent, arrivals, [
    { at: T + 1000, source: 'broker', event: 'broker_stop' },
    { at: T + 1500, source: 'broker', event: 'broker_start' },
  ]);
  return { report, data: chartData(sent, arrivals, report, detail) };
}

type Layer = { name?: string; transform?: Array<Record<string, unknown>>; mark: { type: string; opacity?: number }; encoding: { tooltip?: Array<{ field: string }> } };
type Spec = { params?: Array<{ name: string; views: string[]; bind: string }>; resolve?: unknown; vconcat: Array<{ layer: Layer[] }> };

describe('the interactive chart (Vega-Lite)', () => {
  it('is valid Vega-Lite, in UTC and local time', () => {
    const { report, data } = sample();
    for (const utc of [true, false]) expect(validate(vegaLiteSpec(report, data, { interactive: true, utc }))).toEqual([]);
  });

  it('zooms both panels with one x-only scale binding, over one shared time scale', () => {
    const { report, data } = sample();
    const spec = vegaLiteSpec(report, data, { interactive: true }) as Spec;
    expect(spec.params).toEqual([{ name: 'zoom', views: ['values_outages', 'latency_outages'], select: { type: 'interval', encodings: ['x'] }, bind: 'scales' }]);
    expect(spec.resolve).toEqual({ scale: { x: 'shared' } });
    expect(spec.vconcat.map((panel) => panel.layer[0]!.name)).toEqual(['values_outages', 'latency_outages']);
    const still = vegaLiteSpec(report, data) as Spec;
    expect([still.params, still.resolve, still.vconcat[0]!.layer[0]!.name]).toEqual([undefined, undefined, undefined]);
  });

  it('gives every point layer a tooltip with seq, sensor, the value and the message times', () => {
    const { report, data } = sample();
    const spec = vegaLiteSpec(report, data, { interactive: true }) as Spec;
    const points = spec.vconcat.flatMap((panel) => panel.layer).filter((l) => l.mark.type === 'point');
    // sent (hover), received, lost, duplicate; delay, latency
    expect(points).toHaveLength(6);
    for (const layer of points) {
      const fields = layer.encoding.tooltip!.map((t) => t.field);
      for (const field of ['series', 'seq', 'sensor', 'sent', 'published', 'received']) expect(fields).toContain(field);
      expect(fields.includes('value') || fields.includes('ms')).toBe(true);
    }
    // The sent line's points are there only to be hovered.
    expect(points.filter((l) => l.mark.opacity === 0)).toHaveLength(1);
  });

  it('has a colour and a mark of its own for each series', () => {
    expect(new Set(Object.values(SERIES_COLORS)).size).toBe(Object.keys(SERIES_COLORS).length);
    // Latency is no longer drawn in the received green.
    expect(SERIES_COLORS.latency).not.toBe(SERIES_COLORS.received);
    // Within a panel no two point series share a mark.
    expect(new Set([SERIES_SHAPES.received, SERIES_SHAPES.lost, SERIES_SHAPES.duplicate]).size).toBe(3);
    expect(SERIES_SHAPES.latency).not.toBe(SERIES_SHAPES.delay);
  });
});

describe('live chart pages', () => {
  it('JSON inside a script element cannot close it or open a comment, and parses back the same', () => {
    const value = { label: '</script><script>alert(1)</script> <!-- \u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/<\/script|<!--|\u2028/i);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('the CSP names the scripts by hash and nothing else loads', () => {
    expect(pageCsp()).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    expect(pageCsp({ scripts: '', scriptSources: ["'sha256-a'", "'sha256-b'"], bytes: 0 })).toBe("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-a' 'sha256-b'");
  });

  it('a figure holds the static picture and the spec as data, not as script', () => {
    const figure = liveFigure('<svg></svg>', { marks: [] });
    expect(figure).toContain('<div class="static"><svg></svg></div>');
    expect(figure).toContain('<script type="application/json">{"marks":[]}</script>');
  });
});
