import { describe, expect, it } from 'vitest';
import { outageWindows, windowIndexAt } from '../../../src/core/compare/outages.js';
import type { ConnectionEvent } from '../../../src/core/records.js';

const e = (at: number, source: string, event: ConnectionEvent['event']): ConnectionEvent => ({ at, source, event });

describe('outage windows', () => {
  it('broker stop → start wins over client events; repeated stops and an unfinished outage', () => {
    const windows = outageWindows([e(5, 'replay', 'offline'), e(1, 'broker', 'broker_stop'), e(2, 'broker', 'broker_stop'), e(3, 'broker', 'broker_start'), e(7, 'replay', 'connect'), e(9, 'broker', 'broker_stop')]);
    expect(windows).toEqual([
      { start: 1, end: 3, sources: ['broker'], kind: 'broker' },
      { start: 9, end: null, sources: ['broker'], kind: 'broker' },
    ]);
  });

  it('without broker events: each client offline → connect, overlapping ones merged', () => {
    const windows = outageWindows([
      e(10, 'replay', 'offline'), e(12, 'trace', 'offline'), e(13, 'replay', 'reconnect'), e(15, 'replay', 'connect'), e(18, 'trace', 'connect'),
      e(30, 'trace', 'offline'), e(31, 'trace', 'close'), e(40, 'trace', 'connect'), e(50, 'replay', 'connect'),
    ]);
    expect(windows).toEqual([
      { start: 10, end: 18, sources: ['replay', 'trace'], kind: 'client' },
      { start: 30, end: 40, sources: ['trace'], kind: 'client' },
    ]);
  });

  it('windowIndexAt: start inclusive, end exclusive, open end', () => {
    const windows = outageWindows([e(10, 'broker', 'broker_stop'), e(20, 'broker', 'broker_start'), e(30, 'broker', 'broker_stop')]);
    expect([9.9, 10, 19.99, 20, 29, 30, 1e9].map((t) => windowIndexAt(windows, t))).toEqual([-1, 0, 0, -1, -1, 1, 1]);
    expect(windowIndexAt([], 5)).toBe(-1);
  });
});
