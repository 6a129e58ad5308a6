import { describe, expect, it } from 'vitest';
import { SysTally, sysCounter, type SysSummary } from '../../../src/core/sys/sys-counters.js';
import { parseSysValue } from '../../../src/core/sys/sys-value.js';

describe('parseSysValue', () => {
  it.each<[string, number | undefined]>([
    ['240', 240],
    ['0.97', 0.97],
    ['-3', -3],
    ['12 seconds', 12],
    [' 7 ', 7],
    ['mosquitto version 2.0.11', undefined],
    ['st-trace-1a2b3c', undefined],
    ['', undefined],
    ['1e3', undefined],
    ['12 seconds ago', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseSysValue(text)).toBe(expected);
  });
});

const U = '$SYS/broker/uptime';
const DROPPED = '$SYS/broker/publish/messages/dropped';
const RECEIVED = '$SYS/broker/publish/messages/received';
const CONNECTED = '$SYS/broker/clients/connected';

/** Feeds rows (one per ms) and summarises. */
function tally(rows: Array<[string, string]>): SysSummary {
  const t = new SysTally();
  rows.forEach(([topic, value], i) => t.note(1000 + i, topic, value));
  return t.summary();
}

describe('SysTally', () => {
  it.each<[string, Array<[string, string]>, { key: string; delta: number; first?: number; last?: number; max?: number }, number]>([
    ['a counter grows from its first value', [[RECEIVED, '10'], [RECEIVED, '15'], [RECEIVED, '40']], { key: 'publish_received', delta: 30, first: 10, last: 40 }, 0],
    [
      'a restart seen through uptime: the new segment counts from 0',
      [[U, '5 seconds'], [RECEIVED, '10'], [RECEIVED, '50'], [U, '1 seconds'], [RECEIVED, '7'], [U, '2 seconds'], [RECEIVED, '12']],
      { key: 'publish_received', delta: 40 + 12, first: 10, last: 12 },
      1,
    ],
    [
      'after a restart the counter is higher than before: only uptime tells',
      [[U, '9 seconds'], [RECEIVED, '10'], [RECEIVED, '20'], [U, '3 seconds'], [RECEIVED, '35']],
      { key: 'publish_received', delta: 10 + 35, first: 10, last: 35 },
      1,
    ],
    [
      'the counter went down before the uptime row that shows the restart: one restart, not two',
      [[U, '9 seconds'], [RECEIVED, '10'], [RECEIVED, '20'], [RECEIVED, '4'], [U, '1 seconds'], [U, '2 seconds'], [RECEIVED, '9']],
      { key: 'publish_received', delta: 10 + 9, first: 10, last: 9 },
      1,
    ],
    [
      'without uptime, a counter that went down is a restart',
      [[DROPPED, '3'], [DROPPED, '8'], [DROPPED, '2'], [DROPPED, '5']],
      { key: 'publish_dropped', delta: 5 + 5, first: 3, last: 5 },
      1,
    ],
    [
      'two restarts',
      [[U, '5 seconds'], [DROPPED, '0'], [DROPPED, '4'], [U, '1 seconds'], [DROPPED, '6'], [U, '8 seconds'], [U, '1 seconds'], [DROPPED, '2']],
      { key: 'publish_dropped', delta: 4 + 6 + 2, first: 0, last: 2 },
      2,
    ],
    ['a gauge: start, end, peak, change', [[CONNECTED, '2'], [CONNECTED, '5'], [CONNECTED, '3']], { key: 'clients_connected', delta: 1, first: 2, last: 3, max: 5 }, 0],
    [
      'aedes: client events counted over every broker id',
      [['$SYS/abc/new/clients', 'st-trace-1'], ['$SYS/abc/heartbeat', 'abc'], ['$SYS/def/new/clients', 'st-trace-1'], ['$SYS/def/new/clients', 'st-replay-1']],
      { key: 'client_connects', delta: 3 },
      0,
    ],
  ])('%s', (_name, rows, expected, restarts) => {
    const summary = tally(rows);
    expect(sysCounter(summary, expected.key)).toMatchObject(expected);
    expect(summary.restarts).toBe(restarts);
    expect(summary.rows).toBe(rows.length);
  });

  it('prefers store/messages/count over messages/stored, skips text and counts every row', () => {
    const summary = tally([
      ['$SYS/broker/version', 'mosquitto version 2.0.11'],
      ['$SYS/broker/messages/stored', '53'],
      ['$SYS/broker/store/messages/count', '52'],
      ['$SYS/broker/store/messages/count', 'n/a'],
    ]);
    expect(sysCounter(summary, 'messages_stored')).toMatchObject({ topic: '$SYS/broker/store/messages/count', first: 52, last: 52 });
    expect(summary.counters.map((c) => c.key)).toEqual(['messages_stored']);
    expect(summary).toMatchObject({ rows: 4, firstAt: 1000, lastAt: 1003 });
  });

  it('an empty recording has no counters', () => {
    expect(tally([])).toEqual({ rows: 0, restarts: 0, counters: [] });
  });
});

describe('SysTally: reconnections of the recorder', () => {
  /** Rows at given ms, with reconnects in between. */
  function run(steps: Array<[number, string, string] | ['reconnect', boolean]>): SysSummary {
    const t = new SysTally();
    for (const step of steps) {
      if (step[0] === 'reconnect') t.noteReconnect(step[1]);
      else t.note(step[0], step[1], step[2]);
    }
    return t.summary();
  }

  it.each<[string, Array<[number, string, string] | ['reconnect', boolean]>, number, number]>([
    [
      'a reconnect its caller knows to be a restart: the counters that follow are a new broker\'s, even when higher',
      [[0, U, '0 seconds'], [10, RECEIVED, '3'], [20, RECEIVED, '5'], ['reconnect', true], [900, U, '0 seconds'], [910, RECEIVED, '20']],
      2 + 20,
      1,
    ],
    [
      'a reconnect without a restart (uptime kept pace with the clock): one segment',
      [[0, U, '5 seconds'], [1000, U, '6 seconds'], [1010, RECEIVED, '3'], ['reconnect', false], [4000, U, '9 seconds'], [4010, RECEIVED, '20']],
      17,
      0,
    ],
    [
      'a reconnect after which uptime fell behind the clock by more than a sys_interval: a restart',
      [[0, U, '5 seconds'], [1000, U, '6 seconds'], [1010, RECEIVED, '3'], ['reconnect', false], [9000, U, '4 seconds'], [9010, RECEIVED, '20']],
      0 + 20,
      1,
    ],
    [
      'uptime behind the clock without a reconnect is not a restart (a stalled recorder)',
      [[0, U, '5 seconds'], [1000, U, '6 seconds'], [1010, RECEIVED, '3'], [9000, U, '7 seconds'], [9010, RECEIVED, '20']],
      17,
      0,
    ],
  ])('%s', (_name, steps, delta, restarts) => {
    const summary = run(steps);
    expect(sysCounter(summary, 'publish_received')!.delta).toBe(delta);
    expect(summary.restarts).toBe(restarts);
  });
});
