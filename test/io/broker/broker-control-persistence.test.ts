import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerServer } from '../../../src/app/broker/broker-server.js';
import type { FilePersistence } from '../../../src/io/broker/file-persistence.js';
import { tempDir } from '../../helpers/brokers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function queuedFor(persistence: FilePersistence, id: string): Promise<number> {
  return (await persistence.snapshot()).clients.find((c) => c.id === id)?.outgoing.length ?? 0;
}

describe('embedded broker state (file persistence)', () => {
  it('does not leak QoS 2 queue entries when two flows to a persistent subscriber overlap', async () => {
    const broker = await startBrokerServer({ port: 0 });
    const sub = await mqtt.connectAsync(broker.url, { clientId: 'sub', clean: false });
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'pub' });
    try {
      let got = 0;
      const all = new Promise<void>((resolve) => sub.on('message', () => ++got === 40 && resolve()));
      await sub.subscribeAsync('s/#', { qos: 2 });
      // Pairs sent back to back: the second PUBREC arrives while the first PUBREL is pending.
      for (let i = 0; i < 40; i += 2) await Promise.all([pub.publishAsync('s/a', String(i), { qos: 2 }), pub.publishAsync('s/b', String(i + 1), { qos: 2 })]);
      await all;
      const persistence = (broker.aedes as unknown as { persistence: FilePersistence }).persistence;
      // PUBCOMPs are the last packets of each flow: wait for the queue to empty, bounded.
      const deadline = Date.now() + 5000;
      while ((await queuedFor(persistence, 'sub')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await queuedFor(persistence, 'sub')).toBe(0);
    } finally {
      await pub.endAsync();
      await sub.endAsync();
      await broker.close();
    }
  });

  it('saves sessions and queued messages on close and restores them on start', async () => {
    const dir = tempDir('sensortrace-state-');
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const first = await startBrokerServer({ port: 0, stateFile });
    const sub = await mqtt.connectAsync(first.url, { clientId: 'keeper', clean: false });
    await sub.subscribeAsync('k/#', { qos: 1 });
    await sub.endAsync();
    const pub = await mqtt.connectAsync(first.url);
    await pub.publishAsync('k/1', Buffer.from([0, 1, 255]), { qos: 1 });
    await pub.publishAsync('k/retained', 'r', { qos: 1, retain: true });
    await pub.endAsync();
    await first.close();
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ version: 1, clients: [{ id: 'keeper', subscriptions: [{ topic: 'k/#', qos: 1 }] }] });

    const second = await startBrokerServer({ port: 0, stateFile });
    const again = mqtt.connect(second.url, { clientId: 'keeper', clean: false, reconnectPeriod: 0 });
    try {
      const received: Array<[string, string]> = [];
      const two = new Promise<void>((resolve) => again.on('message', (topic, payload) => received.push([topic, payload.toString('hex')]) === 2 && resolve()));
      const connack = await new Promise<mqtt.IConnackPacket>((resolve) => again.once('connect', resolve));
      expect(connack.sessionPresent).toBe(true);
      await two;
      expect(received).toEqual([['k/1', '0001ff'], ['k/retained', Buffer.from('r').toString('hex')]]);
    } finally {
      await again.endAsync();
      await second.close();
    }
  });
});
