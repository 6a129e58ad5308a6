import { describe, expect, it } from 'vitest';
import type { ReportRunInput } from '../../../src/core/report/model.js';
import { markdownReport } from '../../../src/core/report/markdown.js';
import { htmlReport } from '../../../src/core/report/html.js';
import { runNarrative } from '../../../src/core/report/narrative.js';
import { brokerDropSentence, brokerSysJson, sysNote, sysTableRows } from '../../../src/core/report/sys-view.js';
import { SysTally, type SysRecording } from '../../../src/core/sys/sys-counters.js';

/** A recording from rows, as the recorder would make it. */
function recording(rows: Array<[string, string]>, extra: Partial<SysRecording> = {}): SysRecording {
  const tally = new SysTally();
  rows.forEach(([topic, value], i) => tally.note(1000 + i, topic, value));
  return { ...tally.summary(), output: 'run/broker.sys.csv', ...extra };
}

const B = '$SYS/broker/';
const mosquitto = recording([
  [`${B}uptime`, '1 seconds'],
  [`${B}clients/connected`, '1'],
  [`${B}publish/messages/received`, '0'],
  [`${B}publish/messages/dropped`, '0'],
  [`${B}clients/connected`, '3'],
  [`${B}clients/connected`, '1'],
  [`${B}publish/messages/received`, '240'],
  [`${B}publish/messages/dropped`, '72'],
]);

const run = (sys: SysRecording | undefined, lost = 72): ReportRunInput => ({
  dir: '01-mosquitto-q1',
  qos: 1,
  broker: 'mosquitto',
  brokerKind: 'mosquitto',
  restart: 'graceful',
  restarts: [],
  durationMs: 5000,
  replay: { sent: 240, published: 240, acknowledged: 240, queued: 0, dropped: 0, reconnects: 1 },
  trace: { received: 240 - lost, reconnects: 1, sessionsLost: 0 },
  ...(sys ? { sys } : {}),
  events: [],
  report: { sent: 240, delivered: 240 - lost, lost, duplicates: 0, late: 0, outages: [], latency_ms: { p50: 1, p99: 2 } } as unknown as NonNullable<ReportRunInput['report']>,
});

describe('the broker\'s own view in the report', () => {
  it('a table row per counter: start, end (peak), change, and what the clients saw', () => {
    expect(sysTableRows(run(mosquitto))).toEqual([
      ['clients connected (clients/connected)', '1', '1 (peak 3)', '0', 'the replayer, the recorder and the $SYS recorder'],
      ['PUBLISH received (publish/messages/received)', '0', '240', '+240', 'the replayer published 240'],
      ['PUBLISH dropped (publish/messages/dropped)', '0', '72', '+72', 'lost 72'],
    ]);
    expect(brokerSysJson(mosquitto).counters.publish_dropped).toEqual({ topic: `${B}publish/messages/dropped`, start: 0, end: 72, change: 72 });
  });

  it.each<[string, SysRecording | undefined, string | undefined]>([
    ['no recording: nothing said', undefined, undefined],
    ['counters', mosquitto, '8 $SYS messages recorded.'],
    ['aedes: client events only', recording([['$SYS/abc/new/clients', 'x']]), '1 $SYS message recorded; no message counters among them (aedes publishes only client connects and disconnects and a heartbeat; Mosquitto publishes its counters every sys_interval).'],
    ['a failed recorder', recording([], { error: 'the broker refused $SYS/#' }), '0 $SYS messages recorded; no message counters among them (aedes publishes only client connects and disconnects and a heartbeat; Mosquitto publishes its counters every sys_interval); incomplete: the broker refused $SYS/#.'],
  ])('note: %s', (_name, sys, note) => {
    expect(sysNote(run(sys))).toBe(note);
  });

  it.each<[string, SysRecording | undefined, number, ReturnType<typeof brokerDropSentence>]>([
    ['no counter: nothing to say', recording([['$SYS/abc/new/clients', 'x']]), 5, {}],
    ['lost, and dropped by the broker', mosquitto, 72, { cause: 'the broker dropped 72 (publish/messages/dropped: a queue for an offline or slow client was full, e.g. max_queued_messages)' }],
    ['lost, none dropped by the broker', recording([[`${B}publish/messages/dropped`, '0']]), 3, { cause: "the broker's queues dropped none of them (publish/messages/dropped +0)" }],
    ['nothing lost, yet dropped', mosquitto, 0, { sentence: 'The broker counted 72 dropped (publish/messages/dropped), yet every message of the run arrived.' }],
    ['nothing lost, nothing dropped', recording([[`${B}publish/messages/dropped`, '0']]), 0, {}],
  ])('narrative: %s', (_name, sys, lost, expected) => {
    expect(brokerDropSentence(sys, lost)).toEqual(expected);
  });

  it('the narrative names the broker as the cause, and both reports show the table', () => {
    const story = runNarrative({ qos: 1, events: [], counts: { sent: 240, lost: 72, late: 0, duplicates: 0, outages: [] }, sys: mosquitto });
    expect(story.at(-1)).toBe('Lost 72: the broker dropped 72 (publish/messages/dropped: a queue for an offline or slow client was full, e.g. max_queued_messages).');
    const meta = { name: 'x', startedAt: 0, durationMs: 1, interrupted: false };
    const md = markdownReport(meta, [run(mosquitto)]);
    expect(md).toContain("**The broker's own view** ([broker.sys.csv](01-mosquitto-q1/broker.sys.csv)): 8 $SYS messages recorded.");
    expect(md).toContain('| PUBLISH dropped (publish/messages/dropped) | 0 | 72 | +72 | lost 72 |');
    const html = htmlReport(meta, [run(mosquitto)]);
    expect(html).toContain('<td>PUBLISH dropped (publish/messages/dropped)</td><td class="n">0</td><td class="n">72</td><td class="n">+72</td><td>lost 72</td>');
    expect(markdownReport(meta, [run(undefined)])).not.toContain('own view');
  });
});
