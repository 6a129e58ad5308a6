import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SysTally, sysCounter } from '../../src/core/sys/sys-counters.js';

const RECEIVED = '$SYS/broker/publish/messages/received';
const UPTIME = '$SYS/broker/uptime';

/**
 * A broker's life as its $SYS recorder sees it: one or more broker processes in a row, each
 * publishing ticks (uptime first, then the counter, which only grows), the counter starting from
 * 0 in every process but the first (seen from wherever it was). Restarts are told to the tally by
 * a reconnection (an experiment) or left to uptime to show (a trace).
 */
const lives = fc.record({
  firstValue: fc.nat(1000),
  told: fc.boolean(),
    // Two ticks at least per process: a restart only uptime tells shows as uptime going down (2 s → 1 s).
  processes: fc.array(fc.array(fc.nat(50), { minLength: 2, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
});

describe('SysTally across broker restarts (property)', () => {
  it('a counter\'s change is the growth seen in each broker process, summed; the restarts are counted', () => {
    fc.assert(
      fc.property(lives, ({ firstValue, told, processes }) => {
        const tally = new SysTally();
        let at = 0;
        let expected = 0;
        processes.forEach((increments, p) => {
          if (p > 0) tally.noteReconnect(told);
          // A new process's counter starts again from 0, its uptime from 1 s.
          let value = p === 0 ? firstValue : 0;
          let baseline: number | undefined;
          increments.forEach((step, tick) => {
            value += step;
            baseline ??= p === 0 ? value : 0;
            at += 1000;
            tally.note(at, UPTIME, `${tick + 1} seconds`);
            tally.note(at + 1, RECEIVED, String(value));
          });
          expected += value - baseline!;
        });
        const summary = tally.summary();
        expect(summary.restarts).toBe(processes.length - 1);
        expect(sysCounter(summary, 'publish_received')!.delta).toBe(expected);
      }),
    );
  });
});
