import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { RunTracer } from '../../../src/app/experiment/run-tracer.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { systemClock } from '../../../src/io/clock.js';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';

function output(): string {
  const dir = tempDir('sensortrace-run-tracer-');
  return join(dir, 'trace.csv');
}

describe('RunTracer', () => {
  it('is subscribed when start() resolves, counts distinct arrivals, and stop() closes it with its summary', async () => {
    await withEmbeddedBroker(async (broker) => {
      const run = new AbortController();
      let arrivals = 0;
      let allArrived!: () => void;
      const fiveArrived = new Promise<void>((resolve) => (allArrived = resolve));
      const tracer = new RunTracer(systemClock, run.signal, () => {
        if (++arrivals === 5) allArrived();
      });
      const trace = output();
      await tracer.start({ filters: ['sensors/#'], qos: 1, output: trace, connection: { url: broker.url, clientId: 'run-tracer-1', clean: false } });
      const publisher = await mqtt.connectAsync(broker.url);
      try {
        // Published right after start(): a tracer not yet subscribed would miss them.
        for (const seq of [1, 2, 2, 3]) await publisher.publishAsync('sensors/lab/temperature', JSON.stringify({ seq, value: 20 + seq }), { qos: 1 });
        await publisher.publishAsync('sensors/lab/temperature', '21.5', { qos: 1 });
        await fiveArrived;
      } finally {
        await publisher.endAsync();
      }
      expect(tracer.tally.received).toBe(5);
      expect(tracer.tally.distinct).toBe(4); // seq 2 twice counts once; the bare value counts
      expect(arrivals).toBe(5);
      const summary = await tracer.stop();
      expect(summary).toMatchObject({ received: 5, written: 5, stoppedBy: 'signal' });
      expect(readFileSync(trace, 'utf8').trim().split('\n')).toHaveLength(6);
      expect(run.signal.aborted).toBe(false); // stopping the tracer is not stopping the run
      tracer.unlink();
    });
  });

  it('stops with the run\'s signal', async () => {
    await withEmbeddedBroker(async (broker) => {
      const run = new AbortController();
      const tracer = new RunTracer(systemClock, run.signal);
      await tracer.start({ filters: ['x/#'], qos: 0, output: output(), connection: { url: broker.url, clientId: 'run-tracer-2' } });
      run.abort();
      expect(await tracer.stopAfterFailure()).toMatchObject({ received: 0, stoppedBy: 'signal' });
    });
  });

  it('start() rejects when the tracer fails before subscribing; stopAfterFailure() then yields no summary', async () => {
    const port = await freePort();
    const tracer = new RunTracer(systemClock, new AbortController().signal);
    await expect(tracer.start({ filters: ['x/#'], qos: 1, output: output(), connection: { url: `mqtt://127.0.0.1:${port}`, clientId: 'run-tracer-3', connectTimeoutMs: 300, reconnectPeriodMs: 100 } })).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
    expect(await tracer.stopAfterFailure()).toBeUndefined();
    tracer.unlink();
  });
});
