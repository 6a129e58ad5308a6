import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { EmissionPublisher } from '../../../src/app/process/emission-publisher.js';
import type { PublishEmission } from '../../../src/core/rules/engine.js';
import { systemClock } from '../../../src/io/clock.js';
import { startEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { mosquittoAvailable, withEmbeddedBroker, withMosquitto } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const emission = (qos: 0 | 1 | 2, payload: string): PublishEmission => ({ kind: 'publish', rule: 'r', at: 0, topic: 'out/a', payload, qos, retain: false, cause: [], userProperties: { seq: '7' } });

describe('EmissionPublisher', () => {
  it('counts what the broker took; settle() waits for the last acknowledgement', async () => {
    await withEmbeddedBroker(async (broker) => {
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      try {
        const publisher = new EmissionPublisher(client, false);
        for (const [i, qos] of ([0, 1, 2, 1] as const).entries()) publisher.publish(emission(qos, String(i)));
        expect(publisher.inFlight).toBeGreaterThanOrEqual(3); // QoS 1/2 wait for the broker (QoS 0 may be done at once)
        await publisher.settle(systemClock, 5000);
        expect(publisher).toMatchObject({ inFlight: 0, published: 4, failed: 0 });
      } finally {
        await client.endAsync();
      }
    });
  });

  // aedes speaks MQTT 3.1.1 only.
  it.runIf(mosquittoAvailable)('with MQTT 5, the emission\'s user properties travel along', async () => {
    await withMosquitto(async (broker) => {
      const listener = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5 });
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5 });
      try {
        const arrived = new Promise<unknown>((resolve) => listener.on('message', (_t, _p, packet) => resolve(packet.properties?.userProperties)));
        await listener.subscribeAsync('out/#', { qos: 1 });
        const publisher = new EmissionPublisher(client, true);
        publisher.publish(emission(1, 'x'));
        expect(await arrived).toEqual({ seq: '7' });
        await publisher.settle(systemClock, 5000);
      } finally {
        await client.endAsync();
        await listener.endAsync();
      }
    });
  });

  it('settle() gives up after its timeout, by the clock, when the broker is gone', async () => {
    const broker = await startEmbeddedBroker();
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const offline = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await broker.close();
    await offline;
    try {
      const publisher = new EmissionPublisher(client, false);
      publisher.publish(emission(1, 'stranded')); // queued for a reconnect that never comes
      expect(publisher.inFlight).toBe(1);
      const clock = new FakeClock();
      let settled = false;
      const settling = publisher.settle(clock, 5000).then(() => (settled = true));
      await clock.advanceBy(4999);
      expect(settled).toBe(false);
      await clock.advanceBy(1);
      await settling;
      expect(clock.pending).toBe(0);
      expect(publisher.inFlight).toBe(1);
    } finally {
      await client.endAsync(true);
    }
  });

  it('QoS 0 (MQTT 3.1.1) goes out as hand-built frames, in order, beside QoS 1 through MQTT.js; lost with the connection or sent while away it is counted failed', async () => {
    await withEmbeddedBroker(async (broker) => {
      const listener = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      // As the processor's connection: MQTT.js fails a QoS 0 publish while away instead of queueing it.
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, queueQoSZero: false });
      try {
        const got: string[] = [];
        const all = new Promise<void>((resolve) => listener.on('message', (_t, payload) => got.push(payload.toString()) === 5 && resolve()));
        await listener.subscribeAsync('out/#', { qos: 1 });
        const publisher = new EmissionPublisher(client, false);
        for (const [i, qos] of ([0, 0, 1, 0, 0] as const).entries()) publisher.publish(emission(qos, String(i)));
        await all;
        // MQTT orders messages per QoS level, not across levels.
        expect(got.filter((p) => p !== '2')).toEqual(['0', '1', '3', '4']);
        expect(got).toContain('2');
        await publisher.settle(systemClock, 5000);
        expect(publisher).toMatchObject({ inFlight: 0, published: 5, failed: 0 });
        // Taken while connected, but the socket is gone before its burst is written: failed, not published.
        const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
        publisher.publish(emission(0, 'cut'));
        expect(publisher.inFlight).toBe(1);
        client.stream.destroy();
        await closed;
        publisher.publish(emission(0, 'away'));
        await publisher.settle(systemClock, 5000);
        expect(publisher).toMatchObject({ inFlight: 0, published: 5, failed: 2 });
      } finally {
        await client.endAsync(true);
        await listener.endAsync();
      }
    });
  });
});
