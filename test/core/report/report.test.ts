import { describe, expect, it } from 'vitest';
import type { CompareCounts, CompareReport } from '../../../src/core/compare/report.js';
import { htmlReport } from '../../../src/core/report/html.js';
import { markdownReport } from '../../../src/core/report/markdown.js';
import { headlineTable, reportJson, type ReportRunInput } from '../../../src/core/report/model.js';

function counts(sent: number, delivered: number, extra: Partial<CompareCounts> = {}): CompareCounts {
  return {
    sent,
    received: delivered,
    delivered,
    lost: sent - delivered,
    duplicates: 0,
    out_of_order: 0,
    late: 0,
    value_mismatches: 0,
    latency_ms: { count: delivered, p50: 1.25, p95: 3, p99: 4.5, max: 9, mean: 1.5 },
    ...extra,
  };
}

function report(sent: number, delivered: number, extra: Partial<CompareReport> = {}): CompareReport {
  return {
    ...counts(sent, delivered),
    unexpected: 0,
    match: { rule: 'seq', by_seq: delivered, by_topic_time: 0, by_sensor_time: 0 },
    outages: [{ start: 1000, end: 2500, kind: 'broker', sources: ['broker'], sent: 30, lost: sent - delivered, late: 4, on_time: 0 }],
    by_sensor: {},
    by_qos: {},
    sent_span: { first: 0, last: 4000 },
    received_span: { first: 1, last: 4001 },
    ...extra,
  };
}

const runs: ReportRunInput[] = [
  { dir: '01-embedded-kept-q0', qos: 0, broker: 'embedded', brokerKind: 'embedded', restart: 'graceful, kept', restarts: [{ atMs: 1500, downForMs: 1000, kind: 'graceful', state: 'kept' }], report: report(240, 212), durationMs: 5000 },
  { dir: '02-embedded-kept-q1', qos: 1, broker: 'embedded', brokerKind: 'embedded', restart: 'graceful, kept', restarts: [], report: report(240, 240), durationMs: 5000 },
  { dir: '03-<script>', qos: 2, broker: 'a|b', brokerKind: 'embedded', restart: 'x', restarts: [], error: 'broker exited at start', durationMs: 10 },
];
const meta = { name: 'Demo <b>', startedAt: Date.UTC(2026, 0, 1), durationMs: 12_345, interrupted: false };

describe('experiment report', () => {
  it('report.json carries the run identity and every field of the compare report', () => {
    const json = reportJson(meta, runs);
    expect(json.runs[0]).toMatchObject({ dir: '01-embedded-kept-q0', qos: 0, broker: 'embedded', restart: 'graceful, kept', sent: 240, delivered: 212, lost: 28, outages: [expect.objectContaining({ sent: 30 })] });
    expect(json.runs[0]!.restarts).toEqual([{ at_ms: 1500, down_for_ms: 1000, kind: 'graceful', state: 'kept' }]);
    for (const key of Object.keys(report(1, 1))) expect(json.runs[0]).toHaveProperty(key);
    expect(json.runs[2]).toMatchObject({ error: 'broker exited at start' });
    expect(json.runs[2]).not.toHaveProperty('sent');
  });

  it('the headline table shows counts, latencies and outages per run, and failures', () => {
    const lines = headlineTable(runs).split('\n');
    expect(lines[0]).toMatch(/^run\s+broker\s+restart\s+QoS\s+sent\s+delivered\s+lost\s+duplicates\s+late\s+p50 ms\s+p99 ms\s+outages$/);
    expect(lines[1]).toMatch(/01-embedded-kept-q0 .* 240 +212 +28 +0 +0 +1\.3 +4\.5 +broker 1\.5 s: 30 sent, 28 lost, 4 late/);
    expect(lines[3]).toContain('failed: broker exited at start');
  });

  it('report.md is a markdown table with escaped cells and relative chart links', () => {
    const md = markdownReport(meta, runs, new Map([['01-embedded-kept-q0', '01-embedded-kept-q0/compare.png']]));
    expect(md).toContain('| 01-embedded-kept-q0 | embedded | graceful, kept | 0 | 240 | 212 | 28 |');
    expect(md).toContain('a\\|b');
    expect(md).toContain('![01-embedded-kept-q0](01-embedded-kept-q0/compare.png)');
  });

  it('report.html is self-contained: no external references, escaped text, charts inline', () => {
    const html = htmlReport(meta, runs, new Map([['01-embedded-kept-q0', { mime: 'image/png' as const, base64: 'iVBORw0KGgo=' }]]));
    expect(html).toContain('<table id="summary">');
    expect(html).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('<script');
    expect(html).toContain('03-&lt;script&gt;');
    expect(html).toContain('<title>Demo &lt;b&gt;</title>');
    expect(html).toContain("default-src 'none'");
    expect(html.match(/<tr class="bad">/g)).toHaveLength(1);
  });
});
