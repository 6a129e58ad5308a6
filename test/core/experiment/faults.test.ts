import { describe, expect, it } from 'vitest';
import { byteRate, conditionsAt, describeFault, faultFromText, faultTransitions, lastFaultEndMs, rolesWithFaults, type NetworkFault } from '../../../src/core/experiment/faults.js';
import { IDLE_DIRECTION, releaseAt, sliceBytes } from '../../../src/core/experiment/link-shaping.js';

const blackhole: NetworkFault = { kind: 'blackhole', client: 'recorder', atMs: 2000, forMs: 10_000 };
const delay: NetworkFault = { kind: 'delay', client: 'both', atMs: 1000, forMs: 5000, delayMs: 200, jitterMs: 50 };
const throttle: NetworkFault = { kind: 'throttle', client: 'replayer', atMs: 0, forMs: 30_000, bytesPerS: 2000 };
const cut: NetworkFault = { kind: 'cut', client: 'replayer', atMs: 3000, forMs: 1000 };

describe('byteRate', () => {
  it.each<[unknown, number | undefined]>([
    ['2kB/s', 2000],
    ['512B/s', 512],
    ['512', 512],
    [512, 512],
    ['1.5 MB/s', 1.5e6],
    ['1KiB/s', 1024],
    ['64kbit/s', 8000],
    ['0kB/s', undefined],
    ['fast', undefined],
    ['2 kB per s', undefined],
    [-1, undefined],
  ])('%j → %j', (text, bytes) => {
    expect(byteRate(text)).toBe(bytes);
  });
});

describe('faultFromText (--fault)', () => {
  it.each<[string, Record<string, string>]>([
    ['blackhole:recorder@2s+10s', { kind: 'blackhole', client: 'recorder', at: '2s', for: '10s' }],
    ['cut:replayer@500ms+3s', { kind: 'cut', client: 'replayer', at: '500ms', for: '3s' }],
    ['delay=200ms:both@1s+5s', { kind: 'delay', client: 'both', at: '1s', for: '5s', delay: '200ms' }],
    ['delay=200ms~50ms:both@1s+5s', { kind: 'delay', client: 'both', at: '1s', for: '5s', delay: '200ms', jitter: '50ms' }],
    ['throttle=2kB/s:replayer@0+30s', { kind: 'throttle', client: 'replayer', at: '0', for: '30s', rate: '2kB/s' }],
  ])('%s', (text, fault) => {
    expect(faultFromText(text)).toEqual(fault);
  });

  it.each<[string, RegExp]>([
    ['blackhole', /expected KIND\[=VALUE\]:CLIENT@AT\+FOR/],
    ['storm:recorder@1s+2s', /unknown fault "storm" \(known: cut, blackhole, delay, throttle\)/],
    ['cut:broker@1s+2s', /unknown client "broker" \(known: replayer, recorder, both\)/],
    ['cut:recorder@soon+2s', /"soon" after @ is not a duration/],
    ['cut:recorder@1s+ever', /"ever" after \+ is not a duration/],
    ['delay:both@1s+2s', /delay needs its value/],
    ['throttle:both@1s+2s', /throttle needs its rate/],
    ['cut=3:both@1s+2s', /cut takes no value/],
    ['delay=soon:both@1s+2s', /"soon" after delay= is not a duration/],
    ['delay=1s~lots:both@1s+2s', /"lots" after ~ is not a duration/],
    ['throttle=fast:both@1s+2s', /"fast" after throttle= is not a rate like 2kB\/s/],
  ])('refuses %s', (text, message) => {
    expect(faultFromText(text)).toMatch(message);
  });
});

describe('conditionsAt', () => {
  const faults = [blackhole, delay, throttle, cut];
  it.each<[string, 'replayer' | 'recorder', number, object]>([
    ['before any fault, the replayer is throttled from the start', 'replayer', 500, { cut: false, delayMs: 0, jitterMs: 0, bytesPerS: 2000 }],
    ['the recorder is clear before 1 s', 'recorder', 999, { cut: false, delayMs: 0, jitterMs: 0 }],
    ['the recorder delayed at 1 s (windows start inclusive)', 'recorder', 1000, { cut: false, delayMs: 200, jitterMs: 50 }],
    ['the recorder blackholed and delayed at 2.5 s', 'recorder', 2500, { cut: false, holdUntil: 12_000, delayMs: 200, jitterMs: 50 }],
    ['the replayer cut at 3 s', 'replayer', 3000, { cut: true, delayMs: 200, jitterMs: 50, bytesPerS: 2000 }],
    ['the cut is over at 4 s (end exclusive)', 'replayer', 4000, { cut: false, delayMs: 200, jitterMs: 50, bytesPerS: 2000 }],
    ['the recorder still blackholed at 11.9 s, no more delay', 'recorder', 11_900, { cut: false, holdUntil: 12_000, delayMs: 0, jitterMs: 0 }],
  ])('%s', (_name, role, at, expected) => {
    expect(conditionsAt(faults, role, 0, at)).toEqual(expected);
  });

  it('times windows from the replay start and takes the slowest throttle', () => {
    const slower: NetworkFault = { ...throttle, client: 'both', bytesPerS: 500 };
    expect(conditionsAt([throttle, slower], 'replayer', 10_000, 10_000).bytesPerS).toBe(500);
    expect(conditionsAt([throttle, slower], 'replayer', 10_000, 9_999).bytesPerS).toBeUndefined();
  });

  it('lists transitions, the roles that need a proxy and the last end', () => {
    expect(faultTransitions([blackhole, cut], 100)).toEqual([2100, 3100, 4100, 12_100]);
    expect(rolesWithFaults([blackhole])).toEqual(['recorder']);
    expect(rolesWithFaults([delay])).toEqual(['replayer', 'recorder']);
    expect(rolesWithFaults([])).toEqual([]);
    expect(lastFaultEndMs([blackhole, cut])).toBe(12_000);
  });

  it('describes faults', () => {
    expect(describeFault(blackhole)).toBe('blackhole recorder at 2s for 10s');
    expect(describeFault(delay)).toBe('delay 200 ms ± 50 ms both at 1s for 5s');
    expect(describeFault(throttle)).toBe('throttle 2 kB/s replayer at 0s for 30s');
  });
});

describe('releaseAt', () => {
  const clear = { cut: false, delayMs: 0, jitterMs: 0 };
  it.each<[string, object, number, number, number, number]>([
    // name, link, arrival, bytes, random, expected release
    ['a clear link lets a chunk go at once', clear, 1000, 100, 0.5, 1000],
    ['a delay adds its time', { ...clear, delayMs: 200 }, 1000, 100, 0.5, 1200],
    ['jitter at random 0 takes the jitter off', { ...clear, delayMs: 200, jitterMs: 50 }, 1000, 100, 0, 1150],
    ['jitter at random 1 adds it', { ...clear, delayMs: 200, jitterMs: 50 }, 1000, 100, 1, 1250],
    ['jitter never makes a negative delay', { ...clear, delayMs: 10, jitterMs: 50 }, 1000, 100, 0, 1000],
    ['a throttle takes bytes ÷ rate', { ...clear, bytesPerS: 1000 }, 1000, 500, 0.5, 1500],
    ['a blackhole holds until it ends', { ...clear, holdUntil: 5000 }, 1000, 10, 0.5, 5000],
    ['a delay beyond the blackhole still counts', { ...clear, holdUntil: 1100, delayMs: 200 }, 1000, 10, 0.5, 1200],
  ])('%s', (_name, link, arrival, bytes, random, expected) => {
    expect(releaseAt(IDLE_DIRECTION, arrival, bytes, link as never, random).at).toBeCloseTo(expected, 9);
  });

  it('keeps the order: a chunk never leaves before the one ahead of it', () => {
    const link = { ...clear, delayMs: 100, jitterMs: 80 };
    const first = releaseAt(IDLE_DIRECTION, 0, 1, link, 1); // leaves at 180
    const second = releaseAt(first.state, 10, 1, link, 0); // would leave at 30
    expect(first.at).toBe(180);
    expect(second.at).toBe(180);
  });

  it('a throttle queues chunks behind each other on the wire', () => {
    const link = { ...clear, bytesPerS: 1000 };
    let state = IDLE_DIRECTION;
    const times: number[] = [];
    for (const arrival of [0, 0, 0, 5000]) {
      const next = releaseAt(state, arrival, 100, link, 0);
      state = next.state;
      times.push(next.at);
    }
    expect(times).toEqual([100, 200, 300, 5100]);
  });

  it('slices a throttled chunk into about 50 ms of the rate, at least 64 bytes', () => {
    expect(sliceBytes({ ...clear, bytesPerS: 2000 })).toBe(100);
    expect(sliceBytes({ ...clear, bytesPerS: 100 })).toBe(64);
    expect(sliceBytes(clear)).toBe(Infinity);
  });
});
