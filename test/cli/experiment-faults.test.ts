import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';
import { ensureBuilt } from '../helpers/build.js';

/** The embedded broker runs as a child (`node dist/cli/bin.js broker`): build once. */
beforeAll(() => ensureBuilt(), 120_000);

function setup(rows = 30): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-faults-cli-');
  const profile = join(dir, 'profile.csv');
  writeFileSync(profile, ['time,value', ...Array.from({ length: rows }, (_, i) => `${(i * 0.1).toFixed(1)},${20 + i / 10}`)].join('\n') + '\n');
  return { dir, profile };
}

describe('sensortrace experiment --fault', () => {
  it.each<[string, RegExp]>([
    ['storm:recorder@1s+2s', /--fault "storm:recorder@1s\+2s": unknown fault "storm" \(known: cut, blackhole, delay, throttle\)/],
    ['blackhole:recorder', /--fault "blackhole:recorder": expected KIND\[=VALUE\]:CLIENT@AT\+FOR/],
    ['throttle=fast:both@0s+2s', /--fault "throttle=fast:both@0s\+2s": "fast" after throttle= is not a rate like 2kB\/s/],
  ])('refuses %s with exit 2, naming the flag and the bad part', async (fault, message) => {
    const { dir, profile } = setup();
    const result = await runCli(['experiment', '--profile', profile, '--fault', fault, '-o', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("runs a scenario file's fault and one added by --fault, without a restart, and reports both", async () => {
    const { dir, profile } = setup();
    const out = join(dir, 'out');
    const scenario = join(dir, 'faults.json');
    writeFileSync(scenario, JSON.stringify({ profile, profileFormat: { timeFormat: 'relative-s' }, rate: 20, qos: [1], faults: [{ kind: 'delay', client: 'both', at: 0, for: '1s', delay: '100ms', jitter: '10ms' }] }));
    const result = await runCli(['experiment', scenario, '--fault', 'throttle=4kB/s:replayer@0.5s+1s', '--drain', '5s', '-o', out]);
    expect(result.stderr).toMatch(/run 1 01-embedded-delay-100-ms-10-ms-both-at-0s-for-1s-thr-q1: sent 30, delivered 30, lost 0/);
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { runs: Array<{ faults: Array<{ fault: string; sent: number }> }> };
    expect(report.runs[0]!.faults.map((f) => f.fault)).toEqual(['delay 100 ms ± 10 ms both at 0s for 1s', 'throttle 4 kB/s replayer at 0.5s for 1s']);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('- network faults: delay 100 ms ± 10 ms both at 0s for 1s: ');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<li>network faults: delay 100 ms ± 10 ms both at 0s for 1s: ');
    expect(html).toMatch(/<p class="narrative"><strong>What happened<\/strong>[^<]*Network fault throttle 4 kB\/s replayer at 0\.5s for 1s: on at /);
    expect(html).toContain('/faults.events.csv">faults.events.csv</a>');
    expect(html).toMatch(/<table class="faults">\n<thead><tr><th>fault<\/th><th>on<\/th><th>off<\/th><th>replayer<\/th><th>recorder<\/th>.*\n<tbody>\n<tr><td>delay 100 ms ± 10 ms both at 0s for 1s<\/td><td>[\d:.]+<\/td><td>[\d:.]+<\/td><td>kept its link<\/td><td>kept its link<\/td>/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\n\| throttle 4 kB\/s replayer at 0\.5s for 1s \| [\d:.]+ \| [\d:.]+ \| (kept its link|offline [^|]+) \| - \| \d+ \| 0 \| \d+ \| [\d-]+ \|\n/);
  });
});
