import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIVE_LIMITS, LiveState, payloadText, valueOf } from '../../../src/core/live/live-state.js';
import type { ConnectionEvent } from '../../../src/core/records.js';

const t0 = 1_700_000_000_000;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const arrival = (topic: string, at: number, payload: string, value?: number) => ({ topic, receivedAt: at, payload: text(payload), ...(value === undefined ? {} : { value }) });

describe('valueOf and payloadText', () => {
  it.each([
    { payload: '21.5', value: undefined, expected: 21.5 },
    { payload: ' 7 ', value: undefined, expected: 7 },
    { payload: 'seq=1 v=3', value: 3, expected: 3 }, // the decoded reading wins
    { payload: 'hot', value: undefined, expected: undefined },
    { payload: '', value: undefined, expected: undefined },
    { payload: '1'.repeat(40), value: undefined, expected: undefined }, // long payloads are not numbers to us
  ])('$payload → $expected', ({ payload, value, expected }) => {
    expect(valueOf(arrival('t', t0, payload, value))).toBe(expected);
  });

  it('payload text is cut to the limit, bad UTF-8 becomes replacement characters', () => {
    expect(payloadText(text('abcdef'), 4)).toBe('abc…');
    expect(payloadText(new Uint8Array([0x41, 0xff, 0x42]))).toBe('A\uFFFDB');
  });
});

describe('LiveState', () => {
  it('counts per topic and in total, keeps the last value and text', () => {
    const state = new LiveState();
    for (let i = 0; i < 5; i++) state.arrive(arrival('a', t0 + i * 100, String(20 + i)));
    state.arrive(arrival('b', t0 + 450, '<img src=x onerror=alert(1)>'));
    const s = state.snapshot(t0 + 500);
    expect(s.total).toBe(6);
    expect(s.topics.map((t) => [t.topic, t.count, t.lastValue, t.lastText, t.lastAt])).toEqual([
      ['a', 5, 24, '24', t0 + 400],
      ['b', 1, undefined, '<img src=x onerror=alert(1)>', t0 + 450],
    ]);
    expect(s.topics[0]!.rate).toBeCloseTo(5, 5);
  });

  it('samples one point per slot (the slot’s last value), whatever the rate', () => {
    const state = new LiveState();
    // 1000 arrivals over 1 s: 5 slots of 200 ms.
    for (let i = 0; i < 1000; i++) state.arrive(arrival('fast', t0 + i, String(i)));
    const points = state.points('fast');
    expect(points.map(([, v]) => v)).toEqual([199, 399, 599, 799, 999]);
    expect(points.map(([t]) => t)).toEqual([t0 + 199, t0 + 399, t0 + 599, t0 + 799, t0 + 999]);
  });

  it('looking in the middle of a slot does not stretch it', () => {
    const state = new LiveState();
    for (let i = 0; i < 10; i++) {
      state.arrive(arrival('x', t0 + i * 50, String(i)));
      state.snapshot(t0 + i * 50); // a view redrawing between arrivals
    }
    expect(state.points('x')).toHaveLength(3); // slots starting at 0, 200, 400 ms
  });

  it(`keeps at most ${LIVE_LIMITS.pointsPerTopic} points a topic and ${LIVE_LIMITS.maxTopics} topics; the rest counts as other topics`, () => {
    const state = new LiveState();
    for (let i = 0; i < LIVE_LIMITS.pointsPerTopic * 2; i++) state.arrive(arrival('long', t0 + i * 1000, '1'));
    expect(state.points('long')).toHaveLength(LIVE_LIMITS.pointsPerTopic);
    for (let i = 0; i < LIVE_LIMITS.maxTopics + 10; i++) state.arrive(arrival(`t/${i}`, t0, '1'));
    const s = state.snapshot(t0 + 1_000_000);
    expect(s.topics).toHaveLength(LIVE_LIMITS.maxTopics);
    expect(s.otherTopics).toBe(11); // 'long' took one of the places
    expect(s.total).toBe(LIVE_LIMITS.pointsPerTopic * 2 + LIVE_LIMITS.maxTopics + 10);
  });

  it('tells the connection story: connected, lost, reconnected, session lost', () => {
    const state = new LiveState();
    const ev = (event: ConnectionEvent['event'], at: number, extra: Partial<ConnectionEvent> = {}): void => state.event({ at, source: 'trace', event, ...extra });
    expect(state.snapshot(t0).connection.state).toBe('connecting');
    ev('connect', t0, { sessionPresent: false });
    expect(state.snapshot(t0).connection).toEqual({ state: 'connected', reconnects: 0, sessionsLost: 0 });
    ev('subscribe', t0 + 1);
    expect(state.snapshot(t0).connection.state).toBe('subscribed');
    ev('offline', t0 + 1000);
    ev('offline', t0 + 1001); // said once
    ev('reconnect', t0 + 2000);
    ev('connect', t0 + 3000, { sessionPresent: false });
    ev('session_lost', t0 + 3000, { detail: 'broker kept no session' });
    expect(state.snapshot(t0 + 3000).connection.state).toBe('connected');
    ev('subscribe', t0 + 3001, { detail: 'resubscribed after a lost session' });
    const s = state.snapshot(t0 + 3000);
    expect(s.connection).toEqual({ state: 'subscribed', reconnects: 1, sessionsLost: 1 });
    ev('offline', t0 + 4000);
    ev('connect', t0 + 5000, { sessionPresent: true });
    expect(state.snapshot(t0 + 5000).connection.state).toBe('subscribed'); // the session kept the subscription
    expect(s.marks.map((m) => [m.kind, m.at - t0])).toEqual([['offline', 1000], ['reconnect', 3000], ['session_lost', 3000]]);
    expect(s.marksTotal).toBe(3);
  });

  it(`keeps the last ${LIVE_LIMITS.maxMarks} marks and counts them all`, () => {
    const state = new LiveState();
    for (let i = 0; i < LIVE_LIMITS.maxMarks + 5; i++) state.event({ at: t0 + i, source: 'trace', event: 'error', detail: String(i) });
    const s = state.snapshot(t0);
    expect(s.marks).toHaveLength(LIVE_LIMITS.maxMarks);
    expect(s.marks[0]!.detail).toBe('5');
    expect(s.marksTotal).toBe(LIVE_LIMITS.maxMarks + 5);
  });

  it('property: every arrival is counted once (per topic or as other), points are in time order and end with the last arrival', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ topic: fc.constantFrom('a', 'b', 'c'), gap: fc.integer({ min: 0, max: 500 }), payload: fc.string({ maxLength: 8 }) }), { maxLength: 300 }), (arrivals) => {
        const state = new LiveState();
        let at = t0;
        for (const a of arrivals) state.arrive(arrival(a.topic, (at += a.gap), a.payload));
        const s = state.snapshot(at);
        expect(s.total).toBe(arrivals.length);
        expect(s.topics.reduce((n, t) => n + t.count, 0) + s.otherTopics).toBe(arrivals.length);
        for (const t of s.topics) {
          const times = state.points(t.topic).map(([time]) => time);
          expect(times.length).toBeLessThanOrEqual(t.count);
          for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(0);
          expect(times.at(-1)).toBe(t.lastAt); // the newest point is the last arrival
        }
      }),
    );
  });
});
