import { describe, expect, it } from 'vitest';
import { ClientHold } from '../../../src/app/experiment/client-hold.js';
import { startEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { systemClock } from '../../../src/io/clock.js';
import { openConnection } from '../../../src/io/mqtt/connection.js';

/** Resolves at the next event of that name. */
const next = (emitter: { once(event: string, fn: (...args: unknown[]) => void): unknown }, event: string): Promise<unknown[]> =>
  new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));

describe('ClientHold (MQTT.js public surface: options.reconnectPeriod, reconnect with its own stores)', () => {
  it('keeps a client offline across a broker restart until released, then reconnects it with its queued QoS 1 message', async () => {
    const first = await startEmbeddedBroker();
    const { port } = first;
    const connection = await openConnection({ url: first.url, clientId: 'held', clean: false, reconnectPeriodMs: 20, connectTimeoutMs: 5000 }, { source: 'test' });
    const hold = new ClientHold(connection.client, false);
    let second: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
    try {
      hold.hold();
      const offline = next(connection.client, 'offline');
      await first.close();
      await offline; // it noticed, as a client should
      second = await startEmbeddedBroker({ port });
      const connects: string[] = [];
      second.aedes.on('client', (c) => connects.push(c.id));
      const published: string[] = [];
      second.aedes.on('publish', (packet, client) => {
        if (client) published.push(packet.payload.toString());
      });
      // Queued while offline: MQTT.js keeps it in its outgoing store.
      connection.client.publish('t/held', 'queued', { qos: 1 });
      // Fifty reconnect periods: an unheld client would have come back many times by now.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(connects).toEqual([]);
      expect(connection.client.connected).toBe(false);

      const delivered = new Promise<void>((resolve) => second!.aedes.on('publish', (packet, client) => client && packet.payload.toString() === 'queued' && resolve()));
      const back = await hold.release(systemClock);
      expect(back).toMatchObject({ sessionPresent: false });
      expect(back!.connackAt).toBeGreaterThan(0);
      expect(connects).toEqual(['held']);
      await delivered;
      expect(published).toEqual(['queued']);
      // Released: it reconnects on its own again (its own period restored).
      expect(connection.client.options.reconnectPeriod).toBe(20);
    } finally {
      await connection.end(true);
      await second?.close();
    }
  }, 20_000);

  it('leaves an ended client alone: release does not bring it back', async () => {
    const broker = await startEmbeddedBroker();
    try {
      const connection = await openConnection({ url: broker.url, clientId: 'ended', reconnectPeriodMs: 20, connectTimeoutMs: 5000 }, { source: 'test' });
      const hold = new ClientHold(connection.client, false);
      hold.hold();
      await connection.end(false);
      expect(hold.ended).toBe(true);
      expect(await hold.release(systemClock)).toBeUndefined();
      expect(connection.client.connected).toBe(false);
    } finally {
      await broker.close();
    }
  });
});
