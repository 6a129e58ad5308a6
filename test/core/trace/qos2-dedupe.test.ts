import { describe, expect, it } from 'vitest';
import { Qos2Dedupe } from '../../../src/core/trace/qos2-dedupe.js';

type Step = ['publish', number, 'new' | 'duplicate'] | ['pubrel', number, 'completes' | 'unknown'] | ['session lost'];

/** Drives the dedupe as the recorder does: PUBLISH (remember if new), PUBREL, a CONNACK without session. */
function run(steps: Step[]): Array<string> {
  const dedupe = new Qos2Dedupe();
  return steps.map((step) => {
    if (step[0] === 'session lost') {
      dedupe.forgetAll();
      return 'forgotten';
    }
    if (step[0] === 'publish') {
      if (dedupe.isDuplicate(step[1])) return 'duplicate';
      dedupe.remember(step[1]);
      return 'new';
    }
    return dedupe.complete(step[1]) ? 'completes' : 'unknown';
  });
}

describe('Qos2Dedupe', () => {
  it.each<[string, Step[]]>([
    ['a message, then its PUBREL', [['publish', 1, 'new'], ['pubrel', 1, 'completes']]],
    ['a resend before PUBREL is a duplicate', [['publish', 1, 'new'], ['publish', 1, 'duplicate'], ['pubrel', 1, 'completes']]],
    ['after PUBREL the id is free again: a new message', [['publish', 1, 'new'], ['pubrel', 1, 'completes'], ['publish', 1, 'new']]],
    ['ids are independent', [['publish', 1, 'new'], ['publish', 2, 'new'], ['pubrel', 2, 'completes'], ['publish', 1, 'duplicate']]],
    ['a PUBREL for a PUBLISH never seen is unknown (record it then)', [['pubrel', 7, 'unknown']]],
    ['a second PUBREL for the same id is unknown', [['publish', 3, 'new'], ['pubrel', 3, 'completes'], ['pubrel', 3, 'unknown']]],
    ['a lost session forgets every id: a reused id is a new message', [['publish', 1, 'new'], ['session lost'], ['publish', 1, 'new']]],
  ])('%s', (_name, steps) => {
    const expected = steps.map((s) => (s[0] === 'session lost' ? 'forgotten' : s[2]));
    expect(run(steps)).toEqual(expected);
  });

  it('counts what waits for PUBREL and wakes whenDrained when the last one completes', async () => {
    const dedupe = new Qos2Dedupe();
    await dedupe.whenDrained(); // nothing pending: at once
    dedupe.remember(1);
    dedupe.remember(2);
    expect(dedupe.pending).toBe(2);
    let drained = false;
    const waiting = dedupe.whenDrained().then(() => (drained = true));
    dedupe.complete(1);
    await Promise.resolve();
    expect(drained).toBe(false);
    dedupe.complete(2);
    await waiting;
    expect(dedupe.pending).toBe(0);
  });

  it('a lost session also ends the wait (nothing left to complete)', async () => {
    const dedupe = new Qos2Dedupe();
    dedupe.remember(5);
    const waiting = dedupe.whenDrained();
    dedupe.forgetAll();
    await expect(waiting).resolves.toBeUndefined();
  });
});
