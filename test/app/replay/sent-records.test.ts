import { describe, expect, it } from 'vitest';
import { compileTopicTemplate } from '../../../src/core/mqtt/topic-template.js';
import { SentRecords, type SentRecordSettings } from '../../../src/app/replay/sent-records.js';

const settings = (extra: Partial<SentRecordSettings>): SentRecordSettings => ({ template: compileTopicTemplate('s/{sensor}'), qos: 1, retain: true, payloadFormat: 'json', loopPeriodMs: 10_000, relative: false, ...extra });
const times = { startAt: 5_000, shiftMs: 0, plannedAt: 5_100, sentAt: 5_100.5 };
const row = (sensor: string, time: number, value: number, topic?: string) => ({ line: 2, sensor, time, value, ...(topic === undefined ? {} : { topic }) });

describe('SentRecords', () => {
  it('builds the record replay publishes and logs', () => {
    const r = new SentRecords(settings({})).make(row('a', 1_700_000_000_000, 21.5), 0, 7, times);
    expect(r).toEqual({ seq: 7, sensor: 'a', topic: 's/a', qos: 1, retain: true, profileTime: 1_700_000_000_000, value: 21.5, plannedAt: 5_100, payload: expect.any(String) });
    expect(JSON.parse(r.payload)).toMatchObject({ seq: 7, sensor: 'a', value: 21.5, time: 1_700_000_000_000 });
  });

  it.each([
    // template, row topic, pass, expected topic
    ['s/{sensor}', undefined, 0, 's/a'],
    ['s/{sensor}/{topic}', 'room1', 0, 's/a/room1'],
    ['p{pass}/{seq}/{value}', undefined, 1, 'p2/7/21.5'],
    ['t/{time}', undefined, 0, 't/1700000000000'],
    [undefined, 'from/column', 0, 'from/column'],
  ] as const)('topic %s (row topic %s, pass %i) → %s', (template, topic, pass, expected) => {
    const records = new SentRecords(settings({ template: template === undefined ? undefined : compileTopicTemplate(template), loopPeriodMs: 0 }));
    expect(records.make(row('a', 1_700_000_000_000, 21.5, topic), pass, 7, times).topic).toBe(expected);
    // The cached rendering gives the same for the next row.
    expect(records.make(row('a', 1_700_000_000_000, 21.5, topic), pass, 7, times).topic).toBe(expected);
  });

  it('profile time: relative anchored at the start, --shift-to-now shift, later passes moved on', () => {
    const relative = new SentRecords(settings({ relative: true }));
    expect(relative.make(row('a', 250, 1), 2, 1, times).profileTime).toBe(5_000 + 250 + 20_000);
    const shifted = new SentRecords(settings({}));
    expect(shifted.make(row('a', 1_000, 1), 0, 1, { ...times, shiftMs: 3_000 }).profileTime).toBe(4_000);
  });
});
