import { describe, expect, it } from 'vitest';
import { Recorder, type RowSink } from '../../../src/app/trace/recorder.js';
import { Qos2Dedupe } from '../../../src/core/trace/qos2-dedupe.js';
import { StopLatch } from '../../../src/core/trace/stop-latch.js';
import { TraceTally, type TraceStopReason } from '../../../src/core/trace/trace-tally.js';
import { systemClock } from '../../../src/io/clock.js';
import { ackHandlerOption } from '../../../src/io/mqtt/mqttjs-internals.js';
import { withEmbeddedBroker } from '../../helpers/brokers.js';
import { connected, wireLoggedClient } from '../../io/mqtt/wire-client.js';
import { connectPublisher } from './helpers.js';

/** A row sink that counts rows handed over and rows flushed; flush can be told to fail from some row on. */
function countingSink(failFromRow = Infinity): RowSink & { handed: number; flushed: number; flushes: number } {
  return {
    handed: 0,
    flushed: 0,
    flushes: 0,
    write() {
      this.handed++;
    },
    flush() {
      if (this.handed >= failFromRow) throw new Error('ENOSPC: no space left on device');
      this.flushes++;
      this.flushed = this.handed;
    },
  };
}

/**
 * A Recorder on a real MQTT.js client whose socket reports each packet as its bytes leave:
 * at every PUBACK/PUBREC, the rows flushed so far must cover every acknowledgement sent so far.
 */
async function recordBursts(qos: 1 | 2, total: number, sink: ReturnType<typeof countingSink>) {
  return withEmbeddedBroker(async (broker) => {
    const latch = new StopLatch<TraceStopReason>('signal');
    const tally = new TraceTally();
    const recorder = new Recorder({ clock: systemClock, latch, tally, dedupe: new Qos2Dedupe(), rules: { exclude: [], skipRetained: false }, writer: sink });
    let acks = 0;
    const early: Array<{ ack: number; flushed: number }> = [];
    let allAcked!: () => void;
    const done = new Promise<void>((resolve) => (allAcked = resolve));
    const client = wireLoggedClient(broker, { clientId: `rec-q${qos}`, ...ackHandlerOption(recorder.handleAcks) }, (type) => {
      if (type !== 'puback' && type !== 'pubrec') return;
      acks++;
      if (acks > sink.flushed) early.push({ ack: acks, flushed: sink.flushed });
      if (acks === total) allAcked();
    });
    recorder.attach(client);
    latch.stopped.then(allAcked, () => {});
    await connected(client);
    await client.subscribeAsync('r/#', { qos });
    const publisher = await connectPublisher({ name: 'aedes', url: broker.url, host: broker.host, port: broker.port });
    // Twenty at a time without waiting for each ack, so packets reach the recorder in bursts.
    for (let first = 0; first < total && !latch.stopping; first += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => publisher.publishAsync('r/x', String(first + i), { qos })));
    }
    await done;
    await publisher.endAsync();
    await client.endAsync(true);
    return { acks, early, received: tally.received, fatal: latch.fatal };
  });
}

describe('Recorder: every acknowledgement leaves behind the flush of its row', () => {
  for (const qos of [1, 2] as const) {
    it(`QoS ${qos}: no PUBACK/PUBREC is on the wire before its row is flushed; bursts share a flush`, async () => {
      const sink = countingSink();
      const result = await recordBursts(qos, 200, sink);
      expect(result).toMatchObject({ acks: 200, received: 200, early: [] });
      expect(sink.flushed).toBe(200);
      expect(sink.flushes).toBeLessThan(200);
    });
  }

  it('a failed flush stops the recorder and no acknowledgement of an unflushed row ever leaves', async () => {
    const sink = countingSink(50);
    const result = await recordBursts(1, 200, sink);
    expect(result.fatal?.error).toEqual(new Error('ENOSPC: no space left on device'));
    expect(result.early).toEqual([]);
    expect(result.acks).toBeLessThanOrEqual(sink.flushed);
    expect(sink.flushed).toBeLessThan(50);
  });
});
