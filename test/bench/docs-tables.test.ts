import { describe, expect, it } from 'vitest';
import { regenerate, replaceBlock, type BenchResults } from '../../bench/docs-tables.js';
import type { CaseResult } from '../../bench/context.js';

function result(name: string, ratio: number, met: boolean | undefined): CaseResult {
  return { name, ours: 'replay --max', baseline: 'mosquitto_pub -l', unit: 'msg/s', oursStats: { median: 100 * ratio, min: 90, max: 110, runs: 3 }, baselineStats: { median: 100, min: 95, max: 105, runs: 3 }, ratio, target: '≥ 1.0×', met, dropped: 0 };
}

const run: BenchResults = {
  date: '2026-11-29T23:00:00.000Z',
  quick: false,
  repeats: 3,
  machine: { cores: 2, memoryGiB: 24 },
  versions: { node: 'v20.20.2', mosquitto: 'mosquitto version 2.0.11', mqttjs: '5.16.0' },
  durationS: 1260,
  results: [result('publish 200k rows, --max, QoS 0', 1.04, true), result('publish 60k rows, --max, QoS 1', 0.93, false)],
  failures: [],
};

describe('bench tables in the docs', () => {
  it('replaces only what stands between the markers', () => {
    const text = 'before\n<!-- bench:table -->\nold table\n<!-- /bench:table -->\nafter\n';
    expect(replaceBlock(text, 'table', 'new', 'x.md')).toBe('before\n<!-- bench:table -->\nnew\n<!-- /bench:table -->\nafter\n');
  });

  it.each([
    ['no markers', 'nothing here'],
    ['the end marker first', '<!-- /bench:table --> <!-- bench:table -->'],
    ['two blocks', '<!-- bench:table --><!-- /bench:table --><!-- bench:table --><!-- /bench:table -->'],
  ])('refuses a file with %s, naming it', (_what, text) => {
    expect(() => replaceBlock(text, 'table', 'new', 'docs/performance.md')).toThrow(/docs\/performance\.md: needs exactly one <!-- bench:table -->/);
  });

  it("writes the run's own figures, its provenance and a bold no for a missed target", () => {
    const out = regenerate(run, 'x\n<!-- bench:summary -->\n<!-- /bench:summary -->\n', '<!-- bench:table -->old<!-- /bench:table -->');
    expect(out.readme).toContain('full run of 2026-11-29 (21 min): 2 cores, 24 GiB, Node v20.20.2, mosquitto version 2.0.11, MQTT.js 5.16.0; each ratio is of medians of runs interleaved with the baseline\'s (3 per case');
    expect(out.performance).toContain('; each cell is the median (min–max, runs) of runs interleaved with the baseline\'s (3 per case');
    expect(out.readme).toContain('| publish 200k rows, --max, QoS 0 | mosquitto_pub -l | 1.04× | ≥ 1.0× | yes |');
    expect(out.readme).toContain('| publish 60k rows, --max, QoS 1 | mosquitto_pub -l | 0.93× | ≥ 1.0× | **no** |');
    expect(out.performance).toContain('| publish 200k rows, --max, QoS 0 | msg/s | replay --max: 104 (90.0–110, 3 runs) | mosquitto_pub -l: 100 (95.0–105, 3 runs) | 1.04× |');
    expect(out.performance).not.toContain('old');
  });

  it('refuses a partial run (--only): its table would drop every other case', () => {
    expect(() => regenerate({ ...run, only: ['publish'] }, '<!-- bench:summary --><!-- /bench:summary -->', '<!-- bench:table --><!-- /bench:table -->')).toThrow(/partial run \(--only publish\)/);
  });

  it('says so when the run was a quick one or reported failures', () => {
    const out = regenerate({ ...run, quick: true, failures: ['trace QoS 1: 3 messages dropped'] }, '<!-- bench:summary --><!-- /bench:summary -->', '<!-- bench:table --><!-- /bench:table -->');
    expect(out.readme).toContain('quick run (small sizes)');
    expect(out.readme).toContain('The run reported failures: trace QoS 1: 3 messages dropped.');
  });
});
