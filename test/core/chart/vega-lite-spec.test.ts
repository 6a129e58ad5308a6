import { describe, expect, it } from 'vitest';
import { chartData } from '../../../src/core/chart/chart-data.js';
import { latencyTicks, timeAxisFormat, vegaLiteSpec } from '../../../src/core/chart/vega-lite-spec.js';
import { analyse, type Arrival, type SentMessage } from '../../../src/core/compare/report.js';
import type { ConnectionEvent } from '../../../src/core/records.js';
import { validate, vegaLiteVersion } from './vega-lite-schema.js';

const T = 1_700_000_000_000;

function run(n: number, lostEvery = 0, dupEvery = 0, sensors = ['hdd0']) {
  const sent: SentMessage[] = [];
  const arrivals: Arrival[] = [];
  for (let i = 0; i < n; i++) {
    const sensor = sensors[i % sensors.length]!;
    const s: SentMessage = { seq: i + 1, sensor, topic: `s/${sensor}`, qos: 1, profileTime: T + i * 1000, value: 20 + Math.sin(i / 50) * 5, plannedAt: T + i * 10, publishedAt: T + i * 10 + 0.25 };
    sent.push(s);
    if (lostEvery && i % lostEvery === 0) continue;
    arrivals.push({ receivedAt: s.publishedAt! + 3, topic: s.topic, seq: s.seq, value: s.value });
    if (dupEvery && i % dupEvery === 1) arrivals.push({ receivedAt: s.publishedAt! + 40, topic: s.topic, seq: s.seq, value: s.value });
  }
  const events: ConnectionEvent[] = [
    { at: T + 100, source: 'broker', event: 'broker_stop' },
    { at: T + 200, source: 'broker', event: 'broker_start' },
  ];
  const { report, detail } = analyse(sent, arrivals, events);
  return { sent, arrivals, report, detail };
}

describe('Vega-Lite spec', () => {
  it("declares the installed Vega-Lite's major version as its $schema (the schema the tests check against)", () => {
    const { sent, arrivals, report, detail } = run(10);
    const spec = vegaLiteSpec(report, chartData(sent, arrivals, report, detail)) as { $schema: string };
    expect(spec.$schema).toBe(`https://vega.github.io/schema/vega-lite/v${vegaLiteVersion.split('.')[0]}.json`);
  });

  it('is valid against the Vega-Lite schema, with one and with several sensors, UTC and local', () => {
    for (const sensors of [['hdd0'], ['hdd0', 'hdd1']]) {
      const { sent, arrivals, report, detail } = run(50, 7, 5, sensors);
      for (const utc of [true, false]) {
        const spec = vegaLiteSpec(report, chartData(sent, arrivals, report, detail), { utc, title: 't', width: 800, height: 500 });
        expect(validate(spec)).toEqual([]);
      }
    }
  });

  it('the validator rejects what is not Vega-Lite (so the test above can fail)', () => {
    const { sent, arrivals, report, detail } = run(10);
    const spec = vegaLiteSpec(report, chartData(sent, arrivals, report, detail)) as { vconcat: Array<{ layer: Array<Record<string, unknown>> }> };
    expect(validate(spec)).toEqual([]);
    spec.vconcat[0]!.layer[1]!.mark = { type: 'squiggle' };
    expect(validate(spec).length).toBeGreaterThan(0);
    expect(validate({ ...spec, vconcat: undefined, widht: 3 }).length).toBeGreaterThan(0);
    const typo = structuredClone(spec);
    typo.vconcat[0]!.layer[1]!.mark = { type: 'line' };
    (typo.vconcat[0]!.layer[1]!.encoding as { x: { type: string } }).x.type = 'temporl';
    expect(validate(typo).length).toBeGreaterThan(0);
  });

  it('time labels carry the date for runs over a day, milliseconds for very short ones', () => {
    expect([timeAxisFormat(5000), timeAxisFormat(3_600_000), timeAxisFormat(3 * 86_400_000)]).toEqual(['%H:%M:%S.%L', '%H:%M:%S', '%b %d %H:%M']);
  });

  it('latency ticks run 1-2-5 past the largest latency', () => {
    expect(latencyTicks(7)).toEqual([0, 1, 2, 5, 10]);
    expect(latencyTicks(2499.5)).toEqual([0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
  });
});

describe('chart data', () => {
  it('downsamples lines but keeps every lost and duplicate marker', () => {
    const { sent, arrivals, report, detail } = run(20_000, 97, 89);
    const data = chartData(sent, arrivals, report, detail, { columns: 300 });
    const count = (series: string): number => data.points.filter((p) => p.series === series).length;
    expect(count('lost')).toBe(report.lost);
    expect(count('duplicate')).toBe(report.duplicates);
    expect(report.lost).toBe(Math.ceil(20_000 / 97));
    expect(count('sent')).toBeLessThanOrEqual(4 * 300);
    expect(count('received')).toBeLessThanOrEqual(4 * 300);
    expect(data.latency.length).toBeLessThanOrEqual(4 * 300);
    // Shape kept: the extremes of the sent values survive.
    const values = sent.map((s) => s.value);
    const drawn = data.points.filter((p) => p.series === 'sent').map((p) => p.value as number);
    expect(Math.max(...drawn)).toBe(Math.max(...values));
    expect(Math.min(...drawn)).toBe(Math.min(...values));
    // Messages kept arriving during this (synthetic) outage: the received line does not break.
    expect(data.points.filter((p) => p.value === null)).toHaveLength(0);
    // A 0.1 s outage in a 200 s run is drawn 1/300 of the axis wide; the label keeps its length.
    expect(data.outages).toEqual([{ series: 'outage', start: T + 100, end: T + 100 + (data.tMax - data.tMin) / 300, label: 'outage 1 (broker), 0.1 s' }]);
  });

  it("shades an experiment's network faults in their own colour, named, as wide as an outage at least; the subtitle counts them", () => {
    const { sent, arrivals, report, detail } = run(200);
    const faults = [
      { start: T + 500, end: T + 1500, label: 'delay=250ms±0ms replayer at 0.5s for 1s' },
      { start: T + 1800, end: T + 1801, label: 'cut recorder at 1.8s for 1ms' },
    ];
    const data = chartData(sent, arrivals, report, detail, { faults });
    const minWidth = (data.tMax - data.tMin) / 300;
    expect(data.outages.filter((b) => b.series === 'fault')).toEqual([
      { series: 'fault', start: T + 500, end: T + 1500, label: 'fault: delay=250ms±0ms replayer at 0.5s for 1s, 1.0 s' },
      { series: 'fault', start: T + 1800, end: T + 1800 + minWidth, label: 'fault: cut recorder at 1.8s for 1ms, 0.0 s' },
    ]);
    expect(data.outages.filter((b) => b.series === 'outage')).toHaveLength(1);
    const spec = vegaLiteSpec(report, data) as { title: { subtitle: string[] } };
    expect(validate(spec)).toEqual([]);
    expect(spec.title.subtitle[1]).toMatch(/1 outage window \(shaded\) · 2 network faults \(shaded yellow\)$/);
    const plain = vegaLiteSpec(report, chartData(sent, arrivals, report, detail)) as { title: { subtitle: string[] } };
    expect(plain.title.subtitle[1]).toMatch(/1 outage window \(shaded\)$/);
  });

  it('breaks the received line across an outage during which nothing arrived', () => {
    const { sent, arrivals } = run(100);
    const kept = arrivals.filter((a) => a.receivedAt < T + 100 || a.receivedAt >= T + 200);
    const { report, detail } = analyse(sent, kept, [
      { at: T + 100, source: 'broker', event: 'broker_stop' },
      { at: T + 200, source: 'broker', event: 'broker_start' },
    ]);
    const received = chartData(sent, kept, report, detail).points.filter((p) => p.series === 'received');
    const gap = received.findIndex((p) => p.value === null);
    expect(received.filter((p) => p.value === null)).toHaveLength(1);
    expect([received[gap - 1]!.t < T + 100, received[gap + 1]!.t >= T + 200]).toEqual([true, true]);
  });

  it('thins markers past the cap and says so in the subtitle', () => {
    const { sent, arrivals, report, detail } = run(1000, 2);
    const data = chartData(sent, arrivals, report, detail, { maxMarkers: 100 });
    expect([data.lostShown, data.lostTotal]).toEqual([100, 500]);
    const spec = vegaLiteSpec(report, data) as { title: { subtitle: string[] } };
    expect(spec.title.subtitle.join('\n')).toContain('100 of 500 lost');
  });
});
