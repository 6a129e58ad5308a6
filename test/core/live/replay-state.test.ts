import { describe, expect, it } from 'vitest';
import { REPLAY_LIVE_LIMITS, ReplayLiveState, type ReplayCounts } from '../../../src/core/live/replay-state.js';
import type { ConnectionEvent } from '../../../src/core/records.js';

const t0 = 1_700_000_000_000;
const counts = (sent: number, published: number, extra: Partial<ReplayCounts> = {}): ReplayCounts => ({ sent, published, acknowledged: published, queued: sent - published, dropped: 0, connected: true, reconnects: 0, total: 100, ...extra });
const ev = (at: number, event: ConnectionEvent['event'], extra: Partial<ConnectionEvent> = {}): ConnectionEvent => ({ at, source: 'replay', event, ...extra });

describe('ReplayLiveState', () => {
  it('before the start: connecting, nothing counted', () => {
    const s = new ReplayLiveState(1).apiState(t0);
    expect(s).toMatchObject({ phase: 'connecting', total: 0, planned: null, sent: 0, acked: 0, connected: false, outages: [], started_at: null, elapsed_ms: 0 });
  });

  it('progress reports become the counts and one chart point per slot', () => {
    const state = new ReplayLiveState(1);
    state.event(ev(t0, 'connect'));
    state.started({ startAt: t0, maxInflight: 20 });
    state.progress(t0 + 100, counts(5, 3));
    state.progress(t0 + 150, counts(8, 6)); // same slot: replaces
    state.progress(t0 + 400, counts(20, 20));
    const f = state.frame(t0 + 500);
    expect(f).toMatchObject({ phase: 'replaying', qos: 1, total: 20, planned: 100, sent: 20, published: 20, acked: 20, queued: 0, max_inflight: 20, connected: true, started_at: t0, elapsed_ms: 500 });
    expect(f.series.map(([at, sent, published, queued]) => [at - t0, sent, published, queued])).toEqual([[150, 8, 6, 2], [400, 20, 20, 0]]);
  });

  it.each([
    { name: 'connected sends are the pacing error, the largest per point charted', events: [], errors: [[1, 0], [-3, 10], [2, 20]], pacing: { count: 3, max: 3 }, delayed: 0, chart: 3 },
    { name: 'sends planned before the link came back are outage delay, not pacing', events: [[0, 'connect'], [5, 'offline'], [500, 'connect']], errors: [[480, 20], [1, 600]], pacing: { count: 1, max: 1 }, delayed: 1, chart: 1 },
  ] as const)('$name', ({ events, errors, pacing, delayed, chart }) => {
    const state = new ReplayLiveState(1);
    state.event(ev(t0 - 1, 'connect'));
    for (const [at, kind] of events) state.event(ev(t0 + at, kind));
    for (const [error, plannedAt] of errors) state.paced(error, t0 + plannedAt);
    state.progress(t0 + 700, counts(3, 3));
    const f = state.frame(t0 + 700);
    expect(f.pacing).toMatchObject(pacing);
    expect(f.outage_delay.count).toBe(delayed);
    expect(f.series.at(-1)![4]).toBe(chart);
  });

  it('an outage opens at offline (once, however many offline events) and closes at the reconnect; marks as they happen', () => {
    const state = new ReplayLiveState(1);
    state.event(ev(t0, 'connect'));
    state.event(ev(t0 + 1000, 'offline'));
    state.event(ev(t0 + 1100, 'offline'));
    let s = state.frame(t0 + 1500);
    expect(s.connected).toBe(false);
    expect(s.outages).toEqual([{ start: t0 + 1000, end: null, duration_ms: 500 }]);
    expect(s.marks.map((m) => m.kind)).toEqual(['offline']);
    state.event(ev(t0 + 3000, 'connect', { sessionPresent: true }));
    state.event(ev(t0 + 3001, 'error', { detail: 'seq 7 not acknowledged: <b>x</b>' }));
    s = state.frame(t0 + 4000);
    expect(s.connected).toBe(true);
    expect(s.outages).toEqual([{ start: t0 + 1000, end: t0 + 3000, duration_ms: 2000 }]);
    expect(s.outages_total).toBe(1);
    expect(s.marks).toEqual([
      { at: t0 + 1000, kind: 'offline', detail: '' },
      { at: t0 + 3000, kind: 'reconnect', detail: 'session present: yes' },
      { at: t0 + 3001, kind: 'error', detail: 'seq 7 not acknowledged: <b>x</b>' },
    ]);
  });

  it('no outage before the first connection; finish takes the summary counts and stops the clock', () => {
    const state = new ReplayLiveState(0);
    state.event(ev(t0, 'offline'));
    state.event(ev(t0 + 10, 'connect'));
    state.started({ startAt: t0 + 10, maxInflight: 20 });
    state.finish(t0 + 1010, { sent: 50, published: 48, acknowledged: 0, queued: 0, dropped: 2, reconnects: 0, connected: false });
    const s = state.apiState(t0 + 99_999);
    expect(s).toMatchObject({ phase: 'done', sent: 50, published: 48, dropped: 2, connected: false, outages: [], elapsed_ms: 1000 });
  });

  it(`memory stays bounded: at most ${REPLAY_LIVE_LIMITS.points} points, ${REPLAY_LIVE_LIMITS.maxOutages} outages, ${REPLAY_LIVE_LIMITS.maxMarks} marks`, () => {
    const state = new ReplayLiveState(1);
    state.event(ev(t0, 'connect'));
    for (let i = 1; i <= 1000; i++) {
      state.event(ev(t0 + i * 10, 'offline'));
      state.event(ev(t0 + i * 10 + 5, 'connect'));
    }
    for (let i = 0; i < 100_000; i++) state.progress(t0 + i * 100, counts(i, i));
    const f = state.frame(t0 + 10_000_000);
    expect(f.series.length).toBeLessThanOrEqual(REPLAY_LIVE_LIMITS.points);
    expect(f.outages).toHaveLength(REPLAY_LIVE_LIMITS.maxOutages);
    expect(f.outages_total).toBe(1000);
    expect(f.marks).toHaveLength(REPLAY_LIVE_LIMITS.maxMarks);
    expect(f.series.at(-1)!.slice(1, 3)).toEqual([99_999, 99_999]);
  });
});
