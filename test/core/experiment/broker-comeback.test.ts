import { describe, expect, it } from 'vitest';
import { BrokerComeback } from '../../../src/core/experiment/broker-comeback.js';

type Step = ['stop'] | ['connect', number];

describe('BrokerComeback', () => {
  it.each<[string, Step[], number, number]>([
    ['no client connected since the stop: the start is when the broker was seen up', [['stop']], 5000, 5000],
    ['a client connected before our probe noticed: that connect is the end of the outage', [['stop'], ['connect', 4900], ['connect', 4950]], 5000, 4900],
    ['connects before the stop are to the old broker and do not count', [['connect', 100], ['stop']], 5000, 5000],
    ['a connect later than the confirmed start does not move it', [['stop'], ['connect', 5100]], 5000, 5000],
    ['the second restart forgets the first one\'s connects', [['stop'], ['connect', 3000], ['stop'], ['connect', 7000]], 7100, 7000],
  ])('%s', (_name, steps, startedAt, expected) => {
    const comeback = new BrokerComeback();
    for (const step of steps) {
      if (step[0] === 'stop') comeback.stopped();
      else comeback.clientConnected(step[1]);
    }
    expect(comeback.started(startedAt)).toBe(expected);
  });

  it('ends the outage at the start: later connects (reconnects) are not taken for the next comeback', () => {
    const comeback = new BrokerComeback();
    comeback.stopped();
    expect(comeback.started(5000)).toBe(5000);
    comeback.clientConnected(6000);
    comeback.stopped();
    expect(comeback.started(9000)).toBe(9000);
  });
});
