import { describe, expect, it } from 'vitest';
import type { TraceOptions } from '../../../src/app/trace/trace.js';
import type { TraceRecord } from '../../../src/core/records.js';
import { withEmbeddedBroker } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { connectPublisher, publish, startTrace } from './helpers.js';

/**
 * The idle and duration limits run on the injected clock: the test moves time, a real broker
 * delivers the messages. A message published at a fake instant must be recorded (the trace has
 * not stopped yet), and the trace stops exactly when the clock says so.
 */
async function traceOnFakeClock(limits: Pick<TraceOptions, 'idleMs' | 'durationMs'>, arrivalsAt: number[], stopAt: number) {
  return withEmbeddedBroker(async (broker) => {
    const clock = new FakeClock(0);
    const records: TraceRecord[] = [];
    const waiting: Array<() => void> = [];
    const run = startTrace({
      filters: ['c/#'],
      qos: 1,
      clock,
      connection: { host: broker.host, port: broker.port },
      ...limits,
      onMessage: (record) => {
        records.push(record);
        waiting.shift()?.();
      },
    });
    await run.ready;
    const publisher = await connectPublisher({ name: 'aedes', url: broker.url, host: broker.host, port: broker.port });
    try {
      for (const at of arrivalsAt) {
        await clock.advanceTo(at);
        const recorded = new Promise<'recorded'>((resolve) => waiting.push(() => resolve('recorded')));
        await publish(publisher, 'c/x', String(at), 1);
        // Recorded, or the trace had already stopped (then the summary comes first).
        expect(await Promise.race([recorded, run.result.then(() => 'stopped early')])).toBe('recorded');
      }
      // To the instant it should stop, no further: time moved past it would also run out the
      // close wait (END_WAIT_MS) while the connection is still ending. Not stopping fails by timeout.
      await clock.advanceTo(stopAt);
      return { summary: await run.result, records };
    } finally {
      await publisher.endAsync();
    }
  });
}

describe('trace limits on the injected clock', { timeout: 15_000 }, () => {
  it('idle: stops idleMs after the last arrival, not after the subscription', async () => {
    const { summary, records } = await traceOnFakeClock({ idleMs: 500 }, [300, 700], 1200);
    expect(summary).toMatchObject({ stoppedBy: 'idle', received: 2, durationMs: 1200 });
    expect(records.map((r) => r.receivedAt)).toEqual([300, 700]);
  });

  it('idle: with nothing arriving, stops idleMs after the subscription', async () => {
    const { summary } = await traceOnFakeClock({ idleMs: 500 }, [], 500);
    expect(summary).toMatchObject({ stoppedBy: 'idle', received: 0, durationMs: 500 });
  });

  it('duration: stops durationMs after the subscription, whatever arrives', async () => {
    const { summary, records } = await traceOnFakeClock({ durationMs: 1000 }, [400, 999], 1000);
    expect(summary).toMatchObject({ stoppedBy: 'duration', received: 2, durationMs: 1000 });
    expect(records.map((r) => r.receivedAt)).toEqual([400, 999]);
  });

  it('the first limit reached wins', async () => {
    const { summary } = await traceOnFakeClock({ durationMs: 1000, idleMs: 300 }, [200, 400], 700);
    expect(summary).toMatchObject({ stoppedBy: 'idle', durationMs: 700 });
    const long = await traceOnFakeClock({ durationMs: 600, idleMs: 300 }, [200, 400], 600);
    expect(long.summary).toMatchObject({ stoppedBy: 'duration', durationMs: 600 });
  });
});
