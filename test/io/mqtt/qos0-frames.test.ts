import { connectAsync, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { Qos0Frames } from '../../../src/io/mqtt/qos0-frames.js';
import { brokerKinds, withBroker } from '../../helpers/brokers.js';

/** Collects what a subscriber receives until `n` messages are in. */
async function subscriber(url: string, filter: string, n: number): Promise<{ client: MqttClient; all: Promise<Array<{ topic: string; payload: string; retain: boolean }>> }> {
  const client = await connectAsync(url, { protocolVersion: 4 });
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const all = new Promise<typeof got>((resolve) => {
    client.on('message', (topic, payload, packet) => {
      got.push({ topic, payload: payload.toString('utf8'), retain: packet.retain });
      if (got.length === n) resolve(got);
    });
  });
  await client.subscribeAsync(filter, { qos: 0 });
  return { client, all };
}

describe.each(brokerKinds)('QoS 0 frames built by hand (%s)', (kind) => {
  it('arrive whole and in order: any length of topic and payload, UTF-8, bursts over a slab, mixed with MQTT.js publishes', async () => {
    await withBroker(kind, async (broker) => {
      const big = 'x'.repeat(70_000); // a 3-byte remaining length, and bigger than a slab
      const sent: Array<{ topic: string; payload: string }> = [];
      for (let i = 0; i < 3000; i++) sent.push({ topic: `q0/s${i % 7}/€`, payload: i === 1500 ? big : i % 100 === 0 ? 'y'.repeat(200) : `${i} 21.5 °C` });
      const sub = await subscriber(broker.url, 'q0/#', sent.length + 1);
      const client = await connectAsync(broker.url, { protocolVersion: 4 });
      const frames = new Qos0Frames(client);
      let done = 0;
      const expected: typeof sent = [];
      sent.forEach((m, i) => {
        frames.publish(m.topic, m.payload, false, () => done++);
        expected.push(m);
        // MQTT.js's own packets go out after the frames before them.
        if (i === 2000) {
          client.publish('q0/mqttjs', 'via MQTT.js', { qos: 0 });
          expected.push({ topic: 'q0/mqttjs', payload: 'via MQTT.js' });
        }
      });
      const got = await sub.all;
      expect(done).toBe(3000);
      expect(got.map((m) => `${m.topic}|${m.payload.length}|${m.payload.slice(0, 20)}`)).toEqual(expected.map((m) => `${m.topic}|${m.payload.length}|${m.payload.slice(0, 20)}`));
      expect(got[1500]!.payload).toBe(big);
      frames.detach();
      await client.endAsync();
      await sub.client.endAsync();
    });
  });

  it('sets the retain flag, and frames published just before end() reach the broker before the DISCONNECT', async () => {
    await withBroker(kind, async (broker) => {
      const client = await connectAsync(broker.url, { protocolVersion: 4 });
      const frames = new Qos0Frames(client);
      for (let i = 0; i < 50; i++) frames.publish(`r0/${i}`, `v${i}`, true, () => {});
      await client.endAsync();
      // A later subscriber sees every retained message: none was lost behind the DISCONNECT.
      const sub = await subscriber(broker.url, 'r0/#', 50);
      const got = await sub.all;
      expect(got.every((m) => m.retain)).toBe(true);
      expect(new Set(got.map((m) => m.payload)).size).toBe(50);
      await sub.client.endAsync();
    });
  });

  it("flushAt 'immediate': frames published over several ticks (MQTT.js hands over one message per tick) go out in one socket write", async () => {
    await withBroker(kind, async (broker) => {
      const sub = await subscriber(broker.url, 'im/#', 100);
      const client = await connectAsync(broker.url, { protocolVersion: 4 });
      const frames = new Qos0Frames(client, { flushAt: 'immediate' });
      let writes = 0;
      const original = client.stream.write;
      client.stream.write = function (this: typeof client.stream, ...args: unknown[]) {
        writes++;
        return (original as (...a: unknown[]) => boolean).apply(this, args);
      } as typeof client.stream.write;
      await new Promise<void>((resolve) => {
        let i = 0;
        const next = (): void => {
          frames.publish(`im/${i}`, String(i), false, () => undefined);
          if (++i < 100) process.nextTick(next);
          else resolve();
        };
        next();
      });
      const got = await sub.all;
      expect(writes).toBe(1);
      expect(got.map((m) => m.payload)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
      frames.detach();
      await client.endAsync();
      await sub.client.endAsync();
    });
  });
});
