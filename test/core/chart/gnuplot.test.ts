import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartData } from '../../../src/core/chart/chart-data.js';
import { analyse, type Arrival, type SentMessage } from '../../../src/core/compare/report.js';
import { gnuplotData, gnuplotScript, timeTickStep } from '../../../src/core/chart/gnuplot.js';
import type { ConnectionEvent } from '../../../src/core/records.js';
import { tempDir } from '../../helpers/brokers.js';

const T = 1_700_000_000_000;
const gnuplotInstalled = spawnSync('gnuplot', ['--version']).status === 0;
if (!gnuplotInstalled && process.env.CI) throw new Error('CI requires gnuplot (apt-get install gnuplot-nox)');

function sample(faults: Array<{ start: number; end: number; label: string }> = []) {
  const sent: SentMessage[] = [];
  const arrivals: Arrival[] = [];
  for (let i = 0; i < 60; i++) {
    const sensor = i % 2 ? 'hdd1' : 'hdd0';
    const s: SentMessage = { seq: i + 1, sensor, topic: `s/${sensor}`, qos: 1, profileTime: T + i * 60_000, value: 30 + (i % 2) * 4 + Math.sin(i / 8), plannedAt: T + i * 100, publishedAt: T + i * 100 + 0.5 };
    sent.push(s);
    if (i % 13 === 5) continue;
    arrivals.push({ receivedAt: s.publishedAt! + (i >= 20 && i < 30 ? 3100 - (i - 20) * 100 : 4), topic: s.topic, seq: s.seq, value: s.value });
    if (i % 17 === 3) arrivals.push({ receivedAt: s.publishedAt! + 50, topic: s.topic, seq: s.seq, value: s.value });
  }
  const events: ConnectionEvent[] = [
    { at: T + 2000, source: 'broker', event: 'broker_stop' },
    { at: T + 3000, source: 'broker', event: 'broker_start' },
  ];
  const { report, detail } = analyse(sent, arrivals, events);
  return { report, data: chartData(sent, arrivals, report, detail, { faults }) };
}

describe('gnuplot output', () => {
  it('writes one data block per series, sensors separated, local time shifted', () => {
    const { data } = sample();
    const text = gnuplotData(data, { utcOffsetMs: 3_600_000 });
    const blocks = text.split('\n\n\n');
    expect(blocks.filter((b) => b.trim()).length).toBe(6);
    expect(blocks[0]).toContain(`${((T + 3_600_000) / 1000).toFixed(6)} `);
    expect(blocks[0]!.split('\n').filter((l) => l === '').length).toBe(1); // two sensors, one separator
    expect(blocks[2]!.match(/\n/g)!.length).toBeGreaterThan(1); // lost markers
    expect(gnuplotData(data, { utc: true, utcOffsetMs: 3_600_000 })).toContain(`${(T / 1000).toFixed(6)} `);
  });

  it.skipIf(!gnuplotInstalled)('runs with the real gnuplot, from another directory, to PNG and SVG', () => {
    const dir = tempDir();
    const { report, data } = sample();
    for (const terminal of ['png', 'svg'] as const) {
      const base = join(dir, `compare-${terminal}`);
      writeFileSync(`${base}.dat`, gnuplotData(data, { utc: true }));
      writeFileSync(`${base}.gp`, gnuplotScript(report, data, { utc: true, terminal, title: 'gnuplot test', fallbackBase: base, width: 1000, height: 650 }));
      // Run from elsewhere: the script must find its .dat through its own path.
      const result = spawnSync('gnuplot', [`${base}.gp`], { cwd: '/', encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const out = `${base}.gnuplot.${terminal}`;
      expect(existsSync(out)).toBe(true);
      const bytes = readFileSync(out);
      if (terminal === 'png') {
        expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(bytes.readUInt32BE(16)).toBe(1000);
        if (process.env.CHART_PREVIEW) copyFileSync(out, `${process.env.CHART_PREVIEW}.gnuplot.png`);
      } else {
        const svg = bytes.toString('utf8');
        for (const text of ['gnuplot test', 'temperature', 'latency, delay (ms, log)', 'delay', 'lost', 'duplicate', 'outage']) expect(svg).toContain(text);
      }
    }
  });

  it.skipIf(!gnuplotInstalled)("shades network faults yellow beside the grey outages, with a key entry, and the real gnuplot draws it", () => {
    const dir = tempDir();
    const { report, data } = sample([{ start: T + 4000, end: T + 4500, label: 'delay replayer' }]);
    const base = join(dir, 'faults');
    const script = gnuplotScript(report, data, { utc: true, terminal: 'svg', fallbackBase: base });
    expect(script).toMatch(/set object 1 rect .* fc rgb "#999999"/);
    expect(script).toMatch(/set object 2 rect .* fc rgb "#F0E442"/);
    expect(script).toContain('title "network fault"');
    writeFileSync(`${base}.dat`, gnuplotData(data, { utc: true }));
    writeFileSync(`${base}.gp`, script);
    const result = spawnSync('gnuplot', [`${base}.gp`], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(readFileSync(`${base}.gnuplot.svg`, 'utf8')).toContain('network fault');
    expect(gnuplotScript(report, sample().data, { utc: true, fallbackBase: base })).not.toContain('network fault');
  });

  it.skipIf(!gnuplotInstalled)('fails loudly, not silently, when the data file is missing', () => {
    const dir = tempDir();
    const { report, data } = sample();
    const base = join(dir, 'orphan');
    writeFileSync(`${base}.gp`, gnuplotScript(report, data, { fallbackBase: base }));
    expect(() => execFileSync('gnuplot', [`${base}.gp`], { stdio: 'pipe' })).toThrow();
  });
});

describe('gnuplot time ticks', () => {
  it.each([
    [60, 0.01],
    [5000, 1],
    [60_000, 10],
    [3_600_000, 600],
    [86_400_000 * 3, 43_200],
    [86_400_000 * 100, 604_800 * 3],
  ])('a %d ms run gets a tick every %d s', (span, step) => {
    expect(timeTickStep(span)).toBe(step);
  });
});
