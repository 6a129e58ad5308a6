import { describe, expect, it } from 'vitest';
import { formatAge, formatRate, frameLines, plainLines, printable } from '../../../src/core/live/live-lines.js';
import { LiveState } from '../../../src/core/live/live-state.js';

const t0 = 1_700_000_000_000;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('formatting', () => {
  it.each([
    [-1, '-'],
    [Infinity, '-'],
    [0, '0.0s'],
    [420, '0.4s'],
    [12_300, '12s'],
    [185_000, '3m05s'],
    [7_800_000, '2h10m'],
  ])('age %d ms → %s', (ms, text) => expect(formatAge(ms)).toBe(text));

  it.each([
    [0, '0.0'],
    [12.34, '12.3'],
    [54321.4, '54321'],
  ])('rate %d → %s', (rate, text) => expect(formatRate(rate)).toBe(text));

  it('control characters cannot reach the terminal', () => {
    expect(printable('a\u001b[2Jb\nc\u009bd')).toBe('a\uFFFD[2Jb\uFFFDc\uFFFDd');
  });
});

describe('frameLines', () => {
  function stateWith(topics: number): LiveState {
    const state = new LiveState();
    state.event({ at: t0, source: 'trace', event: 'connect' });
    state.event({ at: t0, source: 'trace', event: 'subscribe' });
    for (let i = 0; i < topics; i++) for (let k = 0; k < 3; k++) state.arrive({ topic: `sensors/${i}/temp`, receivedAt: t0 + k * 300, payload: bytes(String(20 + k)) });
    return state;
  }

  it('a line per topic with count, rate, age, sparkline and last value', () => {
    const state = stateWith(2);
    const lines = frameLines(state.snapshot(t0 + 1000), (t) => state.points(t).map(([, v]) => v), { columns: 120, rows: 30 });
    expect(lines[0]).toBe('subscribed · 0 reconnects   total 6 · 6.0/s · 2 topics');
    expect(lines[1]).toMatch(/^TOPIC\s+COUNT\s+RATE\/s\s+AGE\s+RECENT\s+LAST$/);
    expect(lines[2]).toMatch(/^sensors\/0\/temp\s+3\s+3\.0\s+0\.4s\s+▁▅█\s+22$/);
    expect(lines).toHaveLength(4);
  });

  it('fits the terminal: long lines are cut, extra topics are counted', () => {
    const state = stateWith(40);
    const lines = frameLines(state.snapshot(t0 + 1000), () => [], { columns: 30, rows: 12 });
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toMatch(/^… 3\d more topics$/);
    for (const line of lines) expect(Array.from(line).length).toBeLessThan(30);
  });

  it('says so before anything arrives', () => {
    expect(frameLines(new LiveState().snapshot(t0), () => [], { columns: 80, rows: 20 }).at(-1)).toBe('(waiting for messages)');
  });
});

describe('plainLines', () => {
  it('one line per topic whose count changed', () => {
    const state = new LiveState();
    state.arrive({ topic: 'a', receivedAt: t0, payload: bytes('1') });
    state.arrive({ topic: 'b', receivedAt: t0, payload: bytes('x\u001b') });
    const lines = plainLines(state.snapshot(t0), new Map([['a', 1]]));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d b count=1 rate=1\.0\/s last=x\uFFFD$/);
  });
});
