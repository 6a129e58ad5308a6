import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment, type ExperimentRun } from '../../../src/app/experiment/experiment.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { brokerKinds, tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';
import { processesMentioning } from '../../helpers/processes.js';

/** The embedded broker is a child process running the built CLI: build once. */
beforeAll(() => ensureBuilt(), 120_000);

/** `readings` readings 0.1 s apart, replayed at 20/s. */
function fixture(readings: number): { dir: string; profile: string } {
  const dir = tempDir('sensortrace-faults-');
  const rows = ['time,sensor,value', ...Array.from({ length: readings }, (_, i) => `${(i * 0.1).toFixed(1)},lab,${(20 + Math.sin(i / 8)).toFixed(2)}`)];
  const profile = join(dir, 'profile.csv');
  writeFileSync(profile, `${rows.join('\n')}\n`);
  return { dir, profile };
}

async function runFaults(body: Record<string, unknown>, readings: number, keepalive?: number, chartFormats: Array<'json' | 'gp' | 'vl'> = ['json']): Promise<{ run: ExperimentRun; outDir: string }> {
  const { dir, profile } = fixture(readings);
  const outDir = join(dir, 'out');
  const scenario = scenarioFromValue({ name: 'faults', profile, profileFormat: { timeFormat: 'relative-s' }, rate: 20, drain: '10s', quiet: '1500ms', ...body }, 'test');
  const result = await runExperiment({ scenario, profile, outDir, chartFormats, ...(keepalive ? { connection: { keepalive } } : {}) });
  expect(result.runs).toHaveLength(1);
  const run = result.runs[0]!;
  expect(run.error).toBeUndefined();
  expect(processesMentioning(outDir)).toEqual([]);
  return { run, outDir };
}

const firstEvent = (run: ExperimentRun, source: string, event: string, after: number): number | undefined => run.clientEvents.find((e) => e.source === source && e.event === event && e.at >= after)?.at;

describe.each(brokerKinds)('network faults on %s', (brokerKind) => {
  const kind = brokerKind === 'aedes' ? 'embedded' : 'mosquitto';
  it('a blackholed recorder with keepalive 2 s notices within ~3 s and, with its session, loses nothing at QoS 1', async () => {
    const { run, outDir } = await runFaults({ qos: [1], brokers: [{ kind }], faults: [{ kind: 'blackhole', client: 'recorder', at: '500ms', for: '6s' }] }, 80, 2);
    const [start, end] = run.faultEvents!.map((e) => e.at) as [number, number];
    expect(run.faultEvents!.map((e) => [e.source, e.event, e.detail])).toEqual([
      ['fault', 'fault_start', 'blackhole recorder at 0.5s for 6s'],
      ['fault', 'fault_end', 'blackhole recorder at 0.5s for 6s'],
    ]);
    const noticed = firstEvent(run, 'trace', 'offline', start);
    expect(noticed).toBeDefined();
    // Keepalive 2 s: a ping after 2 s of silence, given up 1.5 × 2 s after the last packet sent.
    expect(noticed! - start).toBeLessThan(4500);
    expect(noticed!).toBeLessThan(end);
    // Its reconnect was held by the blackhole: back once it ended, with its session.
    const back = run.clientEvents.find((e) => e.source === 'trace' && e.event === 'connect' && e.at > noticed!);
    expect(back!.at).toBeGreaterThanOrEqual(end);
    expect(back!.sessionPresent).toBe(true);
    // The replayer's link was never touched.
    expect(firstEvent(run, 'replay', 'offline', start)).toBeUndefined();
    expect(run.report).toMatchObject({ sent: 80, delivered: 80, lost: 0 });
    const cost = run.faultCosts![0]!;
    expect(cost).toMatchObject({ fault: 'blackhole recorder at 0.5s for 6s', lost: 0 });
    expect(cost.sent).toBeGreaterThan(50);
    expect(cost.late).toBe(cost.sent);
    // The report tells it, from the events.
    const md = readFileSync(join(outDir, 'report.md'), 'utf8');
    expect(md).toMatch(/Network fault blackhole recorder at 0\.5s for 6s: on at [\d:.]+, off at [\d:.]+ \(6\.0 s\); the broker kept running\. The recorder noticed at [\d:.]+, [\d.]+ s in, when its keepalive ran out, and was back at [\d:.]+ with its session \(session present 1\)\./);
    expect(md).not.toMatch(/Not part of the experiment/);
    expect(readFileSync(join(run.dir, 'faults.events.csv'), 'utf8')).toMatch(/^at,source,event,session_present,detail\n[\d.]+,fault,fault_start,,blackhole recorder at 0\.5s for 6s\n/);
  }, 90_000);

  it('a cut replayer at QoS 0 loses what it sent during the cut', async () => {
    const { run } = await runFaults({ qos: [0], brokers: [{ kind }], faults: [{ kind: 'cut', client: 'replayer', at: '1s', for: '1s' }] }, 60);
    const [start] = run.faultEvents!.map((e) => e.at) as [number, number];
    const noticed = firstEvent(run, 'replay', 'offline', start - 1);
    // A cut is noticed at once (the connection is reset).
    expect(noticed! - start).toBeLessThan(500);
    const cost = run.faultCosts![0]!;
    expect(cost.sent).toBeGreaterThanOrEqual(15);
    // At most one message can race the reset.
    expect(cost.lost).toBeGreaterThanOrEqual(cost.sent - 1);
    // Lost also: what it sent after the cut until its next reconnect (every 250 ms); nothing before.
    expect(run.report!.lost).toBeGreaterThanOrEqual(cost.lost);
    expect(run.report!.lost).toBeLessThanOrEqual(cost.lost + 8);
    expect(run.replay!.dropped).toBeGreaterThanOrEqual(cost.lost - 1);
    expect(firstEvent(run, 'trace', 'offline', start)).toBeUndefined();
  }, 90_000);
});

describe('faults with a restart, on the embedded broker', () => {
  it('a restart, then a cut of the replayer: both in the events and the story, nothing lost at QoS 1', async () => {
    const { run, outDir } = await runFaults({ qos: [1], restarts: { at: '500ms', downFor: '500ms' }, faults: [{ kind: 'cut', client: 'replayer', at: '4s', for: '1s' }] }, 100);
    expect(run.brokerEvents.map((e) => e.event)).toEqual(['broker_stop', 'broker_start']);
    expect(run.faultEvents!.map((e) => e.event)).toEqual(['fault_start', 'fault_end']);
    expect(run.report).toMatchObject({ sent: 100, delivered: 100, lost: 0 });
    expect(run.faultCosts![0]!.sent).toBeGreaterThanOrEqual(15);
    const md = readFileSync(join(outDir, 'report.md'), 'utf8');
    const files = ['sent.events.csv', 'faults.events.csv', 'broker.events.csv'].map((f) => readFileSync(join(run.dir, f), 'utf8')).join('\n');
    expect(md, files).toMatch(/The broker stopped at [\d:.]+ \(graceful, state kept\).*Network fault cut replayer at 4s for 1s: on at [\d:.]+, off at [\d:.]+ \(1\.0 s\); the broker kept running\. The replayer noticed at [\d:.]+, 0\.\d s in, and was back at [\d:.]+ with(out)? its session/);
    expect(md).not.toMatch(/Not part of the experiment/);
  }, 90_000);
});

describe('a delay on the embedded broker', () => {
  it('shows in the latency percentiles: p50 at least the delay', async () => {
    const { run } = await runFaults({ qos: [1], faults: [{ kind: 'delay', client: 'recorder', at: 0, for: '3s', delay: '250ms', jitter: '20ms' }] }, 30, undefined, ['json', 'gp', 'vl']);
    expect(run.report).toMatchObject({ sent: 30, lost: 0 });
    expect(run.report!.latency_ms.p50!).toBeGreaterThanOrEqual(230);
    expect(run.faultCosts![0]!.latency_p50_ms!).toBeGreaterThanOrEqual(230);
    // A delay is not an outage: nobody went offline. The charts shade it as a fault instead.
    expect(run.clientEvents.filter((e) => e.event === 'offline')).toEqual([]);
    const [on, off] = run.faultEvents!.map((e) => e.at);
    const spec = JSON.parse(readFileSync(run.files.find((f) => f.endsWith('.vl.json'))!, 'utf8')) as { datasets: { outages: Array<{ series: string; start: number; end: number; label: string }> } };
    expect(spec.datasets.outages).toEqual([{ series: 'fault', start: on, end: off, label: expect.stringMatching(/^fault: delay.* recorder at 0s for 3s, 3\.\d s$/) }]);
    expect(readFileSync(run.files.find((f) => f.endsWith('.gp'))!, 'utf8')).toContain('title "network fault"');
  }, 90_000);
});
