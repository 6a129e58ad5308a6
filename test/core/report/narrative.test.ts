import { describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '../../../src/core/records.js';
import { clockTime, runNarrative, type NarrativeCounts, type NarrativeInput } from '../../../src/core/report/narrative.js';

const T = Date.UTC(2026, 10, 29, 14, 29, 50, 0);
const ev = (ms: number, source: string, event: ConnectionEvent['event'], extra: Partial<ConnectionEvent> = {}): ConnectionEvent => ({ at: T + ms, source, event, ...extra });
const time = (ms: number) => clockTime(T + ms);

/** A restart at +3 s, clients back as given. */
function restart(detail: string, replayerBack: number, recorderBack: number, sessionPresent: boolean, extra: ConnectionEvent[] = []): ConnectionEvent[] {
  return [
    ev(3000, 'broker', 'broker_stop', { detail }),
    ev(3004, 'replay', 'offline'),
    ev(3005, 'trace', 'offline'),
    ev(5000, 'broker', 'broker_start', { detail: `${detail}; listening 600 ms before the clients were let back` }),
    ev(replayerBack, 'replay', 'connect', { sessionPresent: false }),
    ev(recorderBack, 'trace', 'connect', { sessionPresent }),
    ...(sessionPresent ? [] : [ev(recorderBack + 4, 'trace', 'subscribe', { detail: 'resubscribed after a lost session' })]),
    ...extra,
  ];
}

const counts = (c: Partial<NarrativeCounts>): NarrativeCounts => ({ sent: 240, lost: 0, late: 0, duplicates: 0, outages: [], ...c });
const outage = (sent: number, lost: number, late: number) => ({ start: T + 3000, end: T + 5000, sent, lost, late });

describe('runNarrative', () => {
  it.each<[string, NarrativeInput, string[]]>([
    [
      'state lost, recorder after the replayer: the loss explained by the missing session and who was first',
      { qos: 1, events: restart('graceful, state lost', 5060, 5544, false), counts: counts({ lost: 76, outages: [outage(58, 58, 0)] }) },
      [
        `The broker stopped at ${time(3000)} (graceful, state lost) and was back for the clients at ${time(5000)}, 2.0 s later.`,
        'It was listening 600 ms before the clients were let back.',
        `The replayer was back at ${time(5060)} without its session (session present 0).`,
        `The recorder was back at ${time(5544)} without its session (session present 0), subscribed again at ${time(5548)}.`,
        'The replayer was back 488 ms before the recorder subscribed again.',
        `Lost 76 (58 sent during the outage, 18 outside): the broker came back without the recorder's session (session present 0 at ${time(5544)}); the replayer was back 488 ms before the recorder subscribed again, and what reached the broker meanwhile had no subscriber.`,
      ],
    ],
    [
      'state kept: nothing lost, the late ones counted',
      { qos: 2, events: restart('graceful, state kept', 5040, 5540, true), counts: counts({ late: 58, outages: [outage(58, 0, 58)] }) },
      [
        `The broker stopped at ${time(3000)} (graceful, state kept) and was back for the clients at ${time(5000)}, 2.0 s later.`,
        'It was listening 600 ms before the clients were let back.',
        `The replayer was back at ${time(5040)} without its session (session present 0).`,
        `The recorder was back at ${time(5540)} with its session (session present 1).`,
        'The replayer was back 500 ms before the recorder was back.',
        'Nothing was lost: all 240 messages arrived.',
        'Late 58: sent during the outage and delivered after it.',
      ],
    ],
    [
      'recorder first: no cause claimed beyond the lost session, the order stated',
      { qos: 1, events: restart('graceful, state lost', 5600, 5010, false), counts: counts({ lost: 2, duplicates: 1, outages: [outage(60, 2, 0)] }) },
      [
        `The broker stopped at ${time(3000)} (graceful, state lost) and was back for the clients at ${time(5000)}, 2.0 s later.`,
        'It was listening 600 ms before the clients were let back.',
        `The replayer was back at ${time(5600)} without its session (session present 0).`,
        `The recorder was back at ${time(5010)} without its session (session present 0), subscribed again at ${time(5014)}.`,
        'The recorder subscribed again 586 ms before the replayer was back.',
        `Lost 2 (2 sent during the outage, 0 outside): the broker came back without the recorder's session (session present 0 at ${time(5010)}).`,
        '1 duplicate: received more than once.',
      ],
    ],
    [
      'QoS 0: the replayer\'s drops while offline are named',
      { qos: 0, events: restart('crash, state kept', 5050, 5550, true), counts: counts({ lost: 74, outages: [outage(58, 58, 0)] }), droppedWhileOffline: 58 },
      [
        `The broker stopped at ${time(3000)} (crash, state kept) and was back for the clients at ${time(5000)}, 2.0 s later.`,
        'It was listening 600 ms before the clients were let back.',
        `The replayer was back at ${time(5050)} without its session (session present 0).`,
        `The recorder was back at ${time(5550)} with its session (session present 1).`,
        'The replayer was back 500 ms before the recorder was back.',
        'Lost 74 (58 sent during the outage, 16 outside): the replayer dropped 58 QoS 0 messages while it was offline (QoS 0 is not queued).',
      ],
    ],
    [
      'no restart',
      { qos: 1, events: [ev(0, 'trace', 'connect', { sessionPresent: false }), ev(5, 'replay', 'connect', { sessionPresent: false })], counts: counts({}) },
      ['The broker ran without a restart.', 'Nothing was lost: all 240 messages arrived.'],
    ],
    [
      'a client outage outside the restart is reported as not part of the experiment',
      {
        qos: 1,
        events: [ev(500, 'trace', 'offline'), ev(1266, 'trace', 'connect', { sessionPresent: false }), ev(2823, 'replay', 'offline'), ...restart('graceful, state kept', 5040, 5540, true)],
        counts: counts({ duplicates: 45 }),
      },
      [
        `The broker stopped at ${time(3000)} (graceful, state kept) and was back for the clients at ${time(5000)}, 2.0 s later.`,
        'It was listening 600 ms before the clients were let back.',
        `The replayer was back at ${time(5040)} without its session (session present 0).`,
        `The recorder was back at ${time(5540)} with its session (session present 1).`,
        'The replayer was back 500 ms before the recorder was back.',
        `Not part of the experiment: the replayer lost the broker at ${time(2823)} and was back at ${time(5040)}.`,
        `Not part of the experiment: the recorder lost the broker at ${time(500)} and was back at ${time(1266)}.`,
        'Nothing was lost: all 240 messages arrived.',
        '45 duplicates: received more than once.',
      ],
    ],
    [
      'a broker that never came back',
      { qos: 1, events: [ev(3000, 'broker', 'broker_stop', { detail: 'graceful, state kept' })] },
      [`The broker stopped at ${time(3000)} (graceful, state kept) and had not come back when the run ended.`],
    ],
  ])('%s', (_name, input, expected) => {
    expect(runNarrative(input)).toEqual(expected);
  });

  it('reads the events in time order, whatever order they come in', () => {
    const events = restart('graceful, state lost', 5060, 5544, false);
    const input = { qos: 1 as const, counts: counts({ lost: 76, outages: [outage(58, 58, 0)] }) };
    expect(runNarrative({ ...input, events: [...events].reverse() })).toEqual(runNarrative({ ...input, events }));
  });

  it('every number it states is one of the counts it was given or a time difference of the events', () => {
    const input: NarrativeInput = { qos: 1, events: restart('graceful, state lost', 5060, 5544, false), counts: counts({ lost: 76, late: 3, duplicates: 2, outages: [outage(58, 58, 3)] }) };
    const text = runNarrative(input).join(' ').replace(/\d\d:\d\d:\d\d\.\d\d\d/g, '');
    const numbers = new Set((text.match(/\d+(\.\d+)?/g) ?? []).map(Number));
    for (const n of numbers) expect([0, 1, 2, 3, 18, 58, 76, 488, 2.0, 600].includes(n), `unexpected number ${n} in: ${text}`).toBe(true);
  });
});
