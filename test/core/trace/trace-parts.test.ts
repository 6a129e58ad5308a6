import { describe, expect, it } from 'vitest';
import { parseTopicFilter } from '../../../src/core/mqtt/topic-filter.js';
import { arrivalVerdict, toArrivalRecord, toLineMessage, type ArrivedPublish } from '../../../src/core/trace/arrival.js';
import { checkFirstSuback, describeGrants } from '../../../src/core/trace/suback.js';
import { checkTraceOptions, type TraceLimits } from '../../../src/core/trace/trace-options.js';
import { TraceTally } from '../../../src/core/trace/trace-tally.js';

describe('checkTraceOptions', () => {
  it('parses the filters and exclusions', () => {
    const checked = checkTraceOptions({ filters: ['$share/g/a/#', 'b/+'], exclude: ['a/debug/#'], qos: 1 });
    expect(checked.filters.map((f) => f.match)).toEqual(['a/#', 'b/+']);
    expect(checked.exclude.map((f) => f.match)).toEqual(['a/debug/#']);
  });

  it.each<[Partial<TraceLimits>, string, RegExp]>([
    [{ filters: [] }, 'filters', /^filters: at least one topic filter is needed$/],
    [{ filters: ['a/#/b'] }, 'filters', /^filters: invalid topic filter "a\/#\/b"/],
    [{ exclude: ['x/#/y'] }, 'exclude', /^exclude: invalid topic filter "x\/#\/y"/],
    [{ exclude: ['$share/g/a'] }, 'exclude', /^exclude: "\$share\/g\/a": exclusions match topics/],
    [{ qos: 3 }, 'qos', /^qos: QoS must be 0, 1 or 2 \(found "3"\)$/],
    [{ count: -1 }, 'count', /^count: expected a number ≥ 0 \(found "-1"\)$/],
    [{ idleMs: Number.NaN }, 'idleMs', /^idleMs: expected a number ≥ 0/],
    [{ durationMs: Infinity }, 'durationMs', /^durationMs: expected a number ≥ 0/],
    [{ flushIntervalMs: -5 }, 'flushIntervalMs', /^flushIntervalMs: /],
  ])('%j is an option error naming %s', (bad, option, message) => {
    const options: TraceLimits = { filters: ['a/#'], qos: 0, ...bad };
    expect(() => checkTraceOptions(options)).toThrow(expect.objectContaining({ code: 'E_USAGE', option, message: expect.stringMatching(message) }));
  });

  it('accepts zero limits', () => {
    expect(() => checkTraceOptions({ filters: ['a'], qos: 2, count: 0, idleMs: 0, durationMs: 0, flushIntervalMs: 0 })).not.toThrow();
  });
});

describe('arrival', () => {
  const rules = { exclude: [parseTopicFilter('a/debug/#')], skipRetained: true };
  it.each([
    [{ topic: 'a/x', retain: false }, 'record'],
    [{ topic: 'a/debug/x', retain: false }, 'excluded'],
    [{ topic: 'a/debug/x', retain: true }, 'excluded'],
    [{ topic: 'a/x', retain: true }, 'retained'],
  ] as const)('%j → %s', (message, verdict) => {
    expect(arrivalVerdict(message, rules)).toBe(verdict);
  });

  it('keeps retained messages unless told to skip them, and excludes nothing without filters', () => {
    expect(arrivalVerdict({ topic: 'a/debug/x', retain: true }, { exclude: [], skipRetained: false })).toBe('record');
  });

  it('turns a PUBLISH into the stdout message and the trace row', () => {
    const packet: ArrivedPublish = { topic: 's/hdd0', payload: 'seq=3', qos: 2, retain: true, dup: true, messageId: 9, properties: { userProperties: { seq: '3', sensor: 'hdd0' } } };
    const message = toLineMessage(packet, 1000.5);
    expect(message).toEqual({ topic: 's/hdd0', payload: Buffer.from('seq=3'), qos: 2, retain: true, receivedAt: 1000.5, messageId: 9, properties: { userProperties: { seq: '3', sensor: 'hdd0' } } });
    const record = toArrivalRecord(packet, message.payload, 1000.5);
    expect(record).toMatchObject({ receivedAt: 1000.5, topic: 's/hdd0', qos: 2, retain: true, dup: true, seq: 3, sensor: 'hdd0' });
    expect(toLineMessage({ topic: 't', payload: Buffer.from([1]), qos: 0, retain: false, dup: false }, 1)).toEqual({ topic: 't', payload: Buffer.from([1]), qos: 0, retain: false, receivedAt: 1 });
  });
});

describe('SUBACK', () => {
  it.each([
    [[{ topic: 'a/#', qos: 1 }], 'a/# q1'],
    [[{ topic: 'a/#', qos: 1 }, { topic: 'b', qos: 0x87 }], 'a/# q1 b q135 (refused: b)'],
  ])('%j → %s', (granted, detail) => {
    expect(checkFirstSuback(granted)).toBe(detail);
  });

  it('every filter refused (or none granted) is E_BROKER', () => {
    expect(() => checkFirstSuback([{ topic: 'a', qos: 0x80 }, { topic: 'b', qos: 0x87 }])).toThrow(expect.objectContaining({ code: 'E_BROKER', message: 'broker refused the subscription to a, b (SUBACK reason 128)' }));
    expect(() => checkFirstSuback([])).toThrow(expect.objectContaining({ code: 'E_BROKER' }));
    expect(describeGrants([{ topic: 'x', qos: 2 }])).toBe('x q2');
  });
});

describe('TraceTally', () => {
  it('counts reconnects (every connect after the first) and lost sessions', () => {
    const tally = new TraceTally();
    for (const event of ['connect', 'offline', 'reconnect', 'connect', 'session_lost', 'connect'] as const) tally.noteEvent({ event });
    expect([tally.reconnects, tally.sessionsLost]).toEqual([2, 1]);
  });

  it('knows when the count is reached, and builds the summary', () => {
    const tally = new TraceTally();
    expect(tally.reached(undefined)).toBe(false);
    expect(tally.reached(0)).toBe(true);
    tally.received = 2;
    tally.excluded = 1;
    expect(tally.reached(3)).toBe(false);
    expect(tally.reached(2)).toBe(true);
    expect(tally.summary({ written: 2, durationMs: 5, stoppedBy: 'count', output: 'o.csv' })).toEqual({
      received: 2, written: 2, retainedSkipped: 0, excluded: 1, reconnects: 0, sessionsLost: 0, durationMs: 5, stoppedBy: 'count', output: 'o.csv',
    });
  });
});
