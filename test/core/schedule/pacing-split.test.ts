import { describe, expect, it } from 'vitest';
import { PacingSplit } from '../../../src/core/schedule/pacing-stats.js';

type Step = ['down'] | ['back', number] | ['send', number, number];

/** Replays link changes and sends (plannedAt, sentAt) through a PacingSplit: [connected count, outage count, outage max]. */
function run(steps: Step[]): [number, number, number] {
  const split = new PacingSplit();
  for (const step of steps) {
    if (step[0] === 'down') split.wentDown();
    else if (step[0] === 'back') split.cameBack(step[1]);
    else split.add(step[2] - step[1], step[1]);
  }
  return [split.connected.count, split.outage.count, split.outage.max];
}

describe('PacingSplit: pacing while connected apart from delay caused by outages', () => {
  it.each<{ what: string; steps: Step[]; expected: [number, number, number] }>([
    { what: 'never down: every send is pacing', steps: [['send', 0, 0.2], ['send', 10, 10.1]], expected: [2, 0, 0] },
    { what: 'sent while down (QoS 0 queued or dropped)', steps: [['down'], ['send', 10, 12]], expected: [0, 1, 2] },
    {
      what: 'planned during the outage, sent after it: the outage delay',
      steps: [['send', 0, 0.1], ['down'], ['back', 81_000], ['send', 100, 81_435], ['send', 80_999, 81_436]],
      expected: [1, 2, 81_335],
    },
    { what: 'planned after the reconnect: pacing again', steps: [['down'], ['back', 5000], ['send', 5000, 5000.3], ['send', 6000, 6000.2]], expected: [2, 0, 0] },
    { what: 'planned before the drop, still unsent when it came back', steps: [['down'], ['back', 500], ['send', 400, 501]], expected: [0, 1, 101] },
  ])('$what', ({ steps, expected }) => {
    expect(run(steps)).toEqual(expected);
  });

  it('the connected percentiles do not see the outage', () => {
    const split = new PacingSplit();
    for (let i = 0; i < 99; i++) split.add(0.05, i * 10);
    split.wentDown();
    split.cameBack(90_000);
    split.add(81_335, 1000);
    expect(split.connected.percentiles().p99).toBeLessThan(0.06);
    expect(split.outage.percentiles().max).toBe(81_335);
  });
});
