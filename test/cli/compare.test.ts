import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const fixtures = join(import.meta.dirname, '../fixtures/compare');

describe('sensortrace compare', () => {
  it('prints the table and writes every output for the fixture (events found beside the sent log)', async () => {
    const dir = tempDir();
    const base = join(dir, 'out', 'compare');
    const run = await runCli(['compare', '--sent', join(fixtures, 'sent.csv'), '--received', join(fixtures, 'trace-a.csv'), join(fixtures, 'trace-b.csv'), '-o', base, '--utc', '--title', 'fixture']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^\s+sent\s+received\s+delivered\s+lost\s+dup\s+ooo\s+late\s+mismatch\s+p50 ms/);
    expect(lines[1]!.split(/\s+/).slice(0, 9)).toEqual(['all', '12', '14', '10', '2', '2', '1', '2', '1']);
    expect(run.stdout).toContain('sensor hdd0');
    expect(run.stdout).toContain('qos 1');
    expect(run.stdout).toContain('unexpected arrivals: 2   matched by: seq');
    expect(run.stdout).toContain('outage 1 [broker: broker] 2023-11-14 22:13:25.500 UTC → 2023-11-14 22:13:28.500 UTC (3.0 s): sent 3, lost 1, late 2, on time 0');
    for (const ext of ['json', 'svg', 'png', 'gp', 'dat', 'vl.json']) {
      expect(existsSync(`${base}.${ext}`)).toBe(true);
      expect(run.stdout).toContain(`wrote ${base}.${ext}`);
    }
    const report = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    expect([report.sent, report.received, report.delivered, report.lost, report.duplicates, report.out_of_order, report.unexpected, report.late, report.value_mismatches]).toEqual([12, 14, 10, 2, 2, 1, 2, 2, 1]);
    expect(report.inputs.events).toEqual([join(fixtures, 'sent.events.csv')]);
    expect(report.inputs.received.map((r: { format: string }) => r.format)).toEqual(['trace', 'trace']);
    if (process.env.CHART_PREVIEW) writeFileSync(`${process.env.CHART_PREVIEW}.cli.png`, readFileSync(`${base}.png`));
  });

  it('--format picks outputs; --json prints the report', async () => {
    const dir = tempDir();
    const base = join(dir, 'c');
    const run = await runCli(['compare', '--sent', join(fixtures, 'sent.csv'), '--received', join(fixtures, 'mosquitto-sub.txt'), '-o', base, '--format', 'json,gp', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).match.rule).toBe('topic+time');
    expect(['json', 'gp', 'dat', 'svg', 'png', 'vl.json'].map((ext) => existsSync(`${base}.${ext}`))).toEqual([true, true, true, false, false, false]);
  });

  it('a bare profile as --sent (topic template and QoS as given to replay): matched by seq, latency from the payload', async () => {
    const dir = tempDir();
    const profile = join(dir, 'profile.csv');
    // The fixture's readings, one a minute, hdd0 and hdd1 alternating: replay numbers them 1..12 in this order.
    const rows = Array.from({ length: 12 }, (_, k) => `${1266193804 + k * 60},hdd${k % 2},${30 + k * 0.5}`);
    writeFileSync(profile, `time,sensor,value\n${rows.join('\n')}\n`);
    const run = await runCli(['compare', '--sent', profile, '--topic', 'sensors/pc1/temperature/{sensor}', '-q', '1', '--received', join(fixtures, 'trace-a.csv'), '--received', join(fixtures, 'trace-b.csv'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect([r.inputs.sent_kind, r.sent, r.received, r.delivered, r.lost, r.duplicates, r.unexpected, r.value_mismatches]).toEqual(['profile', 12, 14, 10, 2, 2, 2, 1]);
    expect(r.latency_ms.p50).toBe(5);
    expect(r.delay_ms.count).toBe(0); // a profile has no planned send times
  });

  it('a relative profile is anchored at the earliest arrival, with a warning', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.csv'), 'time,value\n0,20\n1,21\n2,22\n');
    writeFileSync(join(dir, 'sub.txt'), '1700000000.010000 s/x 1700000000 20\n1700000002.010000 s/x 1700000002 22\n');
    const run = await runCli(['compare', '--sent', join(dir, 'p.csv'), '--topic', 's/x', '--received', join(dir, 'sub.txt'), '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('relative profile anchored at the earliest arrival');
    const r = JSON.parse(run.stdout);
    expect([r.sent, r.delivered, r.lost, r.unexpected, r.match.rule]).toEqual([3, 2, 1, 0, 'topic+time']);
  });

  it('client offline → connect windows when there are no broker events (--events)', async () => {
    const dir = tempDir();
    const events = join(dir, 'tracer.events.csv');
    // The tracer was away from T+3500 to T+4400: seq 5 (sent T+4000, arrived T+4005.5) was sent inside and arrived on time.
    writeFileSync(events, 'at,source,event,session_present,detail\n1700000003500,trace,offline,,\n1700000004400,trace,connect,1,\n');
    const sentCopy = join(dir, 'sent.csv'); // away from the fixture's broker events
    writeFileSync(sentCopy, readFileSync(join(fixtures, 'sent.csv')));
    const run = await runCli(['compare', '--sent', sentCopy, '--received', join(fixtures, 'trace-a.csv'), '--received', join(fixtures, 'trace-b.csv'), '--events', events, '--json']);
    expect(run.code).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.outages).toEqual([{ start: 1700000003500, end: 1700000004400, kind: 'client', sources: ['trace'], sent: 1, lost: 0, late: 0, on_time: 1 }]);
    expect(r.late).toBe(0);
    const missing = await runCli(['compare', '--sent', sentCopy, '--received', join(fixtures, 'trace-a.csv'), '--events', join(dir, 'none.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.csv: events file not found');
  });

  it('bad input: file:line and exit 2; bad flags: exit 2', async () => {
    const dir = tempDir();
    const bad = join(dir, 'trace.csv');
    writeFileSync(bad, 'received_at,topic,payload\n1,a,b\nsoon,a,b\n');
    const run = await runCli(['compare', '--sent', join(fixtures, 'sent.csv'), '--received', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:3: received_at: not a number (found "soon")`);
    expect((await runCli(['compare', '--sent', join(fixtures, 'sent.csv')])).code).toBe(2);
    const format = await runCli(['compare', '--sent', join(fixtures, 'sent.csv'), '--received', bad, '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format: unknown output "pdf"');
    // Library option errors (topic template, --expect) come back as the flag the user typed.
    const profile = join(dir, 'profile.csv');
    writeFileSync(profile, 'time,sensor,value\n1700000000,a,20\n');
    const topic = await runCli(['compare', '--sent', profile, '--topic', 'sensors/{room}', '--received', join(fixtures, 'trace-a.csv')]);
    expect([topic.code, topic.stderr]).toEqual([2, 'sensortrace: --topic: unknown field {room} in "sensors/{room}" (known: {sensor}, {seq}, {value}, {time}, {pass}, {topic})\n']);
    const expectation = await runCli(['compare', '--sent', join(fixtures, 'sent.csv'), '--received', join(fixtures, 'trace-a.csv'), '--expect', 'value +']);
    expect(expectation.code).toBe(2);
    expect(expectation.stderr).toMatch(/^sensortrace: --expect: /);
    const missing = await runCli(['compare', '--sent', join(dir, 'nope.csv'), '--received', join(fixtures, 'trace-a.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
  });
});
