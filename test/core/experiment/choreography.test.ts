import { describe, expect, it } from 'vitest';
import { describeReleases, releaseOrder, type Choreography, type Release } from '../../../src/core/experiment/choreography.js';
import { scenarioFromValue } from '../../../src/core/scenario/scenario.js';

const at = (atMs: number) => ({ back: 'at' as const, atMs });

describe('releaseOrder', () => {
  it.each<[string, Choreography, [Release, Release]]>([
    ['recorder after the replayer: the replayer at its own time, the recorder after it plus the gap', { replayer: at(500), recorder: { back: 'after-replayer', gapMs: 300 } }, [{ client: 'replayer', atMs: 500 }, { client: 'recorder', after: 'replayer', gapMs: 300 }]],
    ['recorder before the replayer: the recorder first at its own time', { replayer: at(500), recorder: { back: 'before-replayer', gapMs: 200 } }, [{ client: 'recorder', atMs: 500 }, { client: 'replayer', after: 'recorder', gapMs: 200 }]],
    ['the replayer tied to the recorder', { replayer: { back: 'after-recorder', gapMs: 0 }, recorder: at(100) }, [{ client: 'recorder', atMs: 100 }, { client: 'replayer', after: 'recorder', gapMs: 0 }]],
    ['the replayer before the recorder, said by the replayer', { replayer: { back: 'before-recorder', gapMs: 50 }, recorder: at(700) }, [{ client: 'replayer', atMs: 500 }, { client: 'recorder', after: 'replayer', gapMs: 50 }]],
    ['both at fixed times: earlier first', { replayer: at(900), recorder: at(200) }, [{ client: 'recorder', atMs: 200 }, { client: 'replayer', atMs: 900 }]],
    ['both at the same time: the replayer first', { replayer: at(300), recorder: at(300) }, [{ client: 'replayer', atMs: 300 }, { client: 'recorder', atMs: 300 }]],
  ])('%s', (_name, choreography, expected) => {
    expect(releaseOrder(choreography)).toEqual(expected);
  });

  it.each<[string, Choreography, RegExp]>([
    ['each waits for the other', { replayer: { back: 'after-recorder', gapMs: 0 }, recorder: { back: 'after-replayer', gapMs: 0 } }, /each wait for the other/],
    ['both name the order', { replayer: { back: 'before-recorder', gapMs: 0 }, recorder: { back: 'after-replayer', gapMs: 0 } }, /both clients say/],
    ['a client tied to itself', { replayer: { back: 'after-replayer', gapMs: 0 }, recorder: at(0) }, /cannot come back after itself/],
  ])('refuses: %s', (_name, choreography, message) => {
    expect(releaseOrder(choreography)).toMatch(message);
  });

  it('describes the releases for events and reports', () => {
    const order = releaseOrder({ replayer: at(500), recorder: { back: 'after-replayer', gapMs: 300 } }) as Release[];
    expect(describeReleases(order)).toBe("replayer back at +500 ms after the broker's scheduled start, then recorder back 300 ms after the replayer is");
  });
});

describe('scenario: replayer and recorder', () => {
  const read = (extra: Record<string, unknown>) => scenarioFromValue({ profile: 'p.csv', ...extra }, 'command line');

  it.each<[string, Record<string, unknown>, Choreography]>([
    ['defaults: replayer 500 ms after the scheduled start, recorder 300 ms after it', {}, { replayer: at(500), recorder: { back: 'after-replayer', gapMs: 300 } }],
    ['recorder alone: the replayer keeps its default time', { recorder: { back: 'after-replayer', gap: '1s' } }, { replayer: at(500), recorder: { back: 'after-replayer', gapMs: 1000 } }],
    ['recorder before the replayer', { recorder: { back: 'before-replayer', gap: '200ms' } }, { replayer: at(500), recorder: { back: 'before-replayer', gapMs: 200 } }],
    ['"at" alone implies back: at', { replayer: { at: '2s' }, recorder: { at: '2.5s' } }, { replayer: at(2000), recorder: at(2500) }],
    ['replayer tied to the recorder: the recorder stands alone at the default time', { replayer: { back: 'after-recorder' } }, { replayer: { back: 'after-recorder', gapMs: 0 }, recorder: at(500) }],
  ])('%s', (_name, extra, expected) => {
    expect(read(extra).choreography).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['unknown back', { recorder: { back: 'later' } }, /recorder\.back/],
    ['gap with at', { recorder: { back: 'at', at: '1s', gap: '1s' } }, /recorder\.gap: "gap" goes with/],
    ['at with after', { recorder: { back: 'after-replayer', at: '1s' } }, /recorder\.at: "at" goes with/],
    ['neither back nor at', { recorder: { gap: '1s' } }, /recorder\.back: is required/],
    ['a bad duration', { replayer: { at: 'soon' } }, /replayer\.at/],
    ['contradictory ties', { replayer: { back: 'after-recorder' }, recorder: { back: 'after-replayer' } }, /each wait for the other/],
  ])('refuses %s, naming the field', (_name, extra, message) => {
    expect(() => read(extra)).toThrow(message);
  });
});
