import { describe, expect, it } from 'vitest';
import { compileTopicTemplate } from '../../../src/core/mqtt/topic-template.js';
import type { SentRecord } from '../../../src/core/records.js';
import { resumePlan } from '../../../src/core/schedule/schedule.js';
import { ConnectionEvents } from '../../../src/app/replay/connection-events.js';
import { PassCursor } from '../../../src/app/replay/pass-cursor.js';
import { passOverResumed } from '../../../src/app/replay/resume.js';
import { SentRecords } from '../../../src/app/replay/sent-records.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const rows = Array.from({ length: 4 }, (_, i) => ({ line: i + 2, sensor: 's', time: i * 1000, value: i }));

describe('passOverResumed', () => {
  it.each([
    // qos, logged, handed over → next index, seqs logged unsent
    [2, 3, 6, 6, [4, 5, 6]],
    [1, 3, 6, 3, []],
    [2, 0, undefined, 0, []],
    [2, 7, 7, 7, []],
  ] as const)('qos %i, logged to %i, handed over %s: continues at index %i, logs %j unsent', async (qos, logged, handed, next, unsent) => {
    const clock = new FakeClock(1000);
    const cursor = new PassCursor(() => [rows], 2, () => false);
    const records = new SentRecords({ template: compileTopicTemplate('t'), qos, retain: false, payloadFormat: 'plain', loopPeriodMs: 4000, relative: true });
    const logged_: SentRecord[] = [];
    const first = { item: await cursor.next(), index: 0 };
    const at = await passOverResumed(cursor, first, resumePlan(qos, logged, handed), { clock, records, logUnsent: (r) => logged_.push(r), stopped: () => false });
    expect(at.index).toBe(next);
    expect(at.item && [at.item.row.time, at.item.pass]).toEqual([(next % 4) * 1000, Math.floor(next / 4)]);
    expect(logged_.map((r) => r.seq)).toEqual(unsent);
    for (const r of logged_) expect([r.plannedAt, r.publishedAt, r.ackedAt]).toEqual([1000, undefined, undefined]);
  });
});

describe('ConnectionEvents', () => {
  it('passes every event on and counts each connect after the first as a reconnect', () => {
    const seen: string[] = [];
    const events = new ConnectionEvents([(e) => seen.push(`a:${e.event}`), undefined, (e) => seen.push(`b:${e.event}`)]);
    for (const event of ['connect', 'offline', 'reconnect', 'connect', 'connect'] as const) events.handle({ at: 0, source: 'replay', event });
    expect(events.reconnects).toBe(2);
    expect(seen.slice(0, 4)).toEqual(['a:connect', 'b:connect', 'a:offline', 'b:offline']);
  });
});
