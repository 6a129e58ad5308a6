import { describe, expect, it } from 'vitest';
import type { Qos, SentRecord } from '../../../src/core/records.js';
import { openConnection } from '../../../src/io/mqtt/connection.js';
import { SeqMessageIds } from '../../../src/app/replay/message-ids.js';
import { MqttPublisher } from '../../../src/app/replay/mqtt-publisher.js';
import { mosquittoAvailable, withMosquitto } from '../../helpers/brokers.js';

const record = (seq: number, qos: Qos): SentRecord => ({ seq, sensor: 's', topic: `ids/${seq}`, qos, retain: false, profileTime: seq, value: seq, plannedAt: 0, payload: String(seq) });

describe('SeqMessageIds (MQTT.js messageIdProvider option)', () => {
  it('pairs allocations with the expected seqs in order, forgets a seq once released', () => {
    const ids = new SeqMessageIds();
    ids.expect(7);
    ids.expect(8);
    const a = ids.allocate()!;
    const b = ids.allocate()!;
    expect(ids.getLastAllocated()).toBe(b);
    // An id nobody expected (MQTT.js allocating for something else) names no seq.
    const c = ids.allocate()!;
    expect([ids.seqOf(a), ids.seqOf(b), ids.seqOf(c)]).toEqual([7, 8, undefined]);
    ids.release(7);
    expect([ids.seqOf(a), ids.seqOf(b)]).toEqual([undefined, 8]);
    ids.release(7);
    expect(ids.register(a)).toBe(true);
    ids.deallocate(a);
    ids.clear();
    expect(ids.seqOf(b)).toBe(8);
  });
});

/**
 * What replay relies on from MQTT.js, through its public surface only: our messageIdProvider is
 * asked for each QoS 1/2 packet id in publish order, 'packetsend' shows each transmission (a
 * resend from the store after a reconnect too), and the callback comes with the acknowledgment.
 * If a MQTT.js release changes any of this, these fail.
 */
describe.runIf(mosquittoAvailable)('MqttPublisher over a real MQTT.js client and Mosquitto', () => {
  it('QoS 1/2: every transmission is reported with its seq, done on the acknowledgment; QoS 0 done once written', async () => {
    await withMosquitto(async (broker) => {
      const ids = new SeqMessageIds();
      const connection = await openConnection({ host: broker.host, port: broker.port }, { source: 'test', clientOptions: { messageIdProvider: ids } });
      const publisher = new MqttPublisher(connection.client, ids, { retain: false, v5: false });
      const transmitted: number[] = [];
      const packetIds: number[] = [];
      connection.client.on('packetsend', (packet) => {
        if (packet.cmd === 'publish' && packet.qos > 0) packetIds.push(packet.messageId!);
      });
      const unwatch = publisher.watch({ transmitted: (seq) => transmitted.push(seq), connected: () => {}, closed: () => {} });
      try {
        expect(publisher.connected).toBe(true);
        const done = (r: SentRecord) => new Promise<Error | undefined>((resolve) => publisher.publish(r, 0, (e) => resolve(e ?? undefined)));
        const results = await Promise.all([done(record(1, 1)), done(record(2, 2)), done(record(3, 0)), done(record(4, 1))]);
        expect(results).toEqual([undefined, undefined, undefined, undefined]);
        expect(transmitted).toEqual([1, 2, 4]);
        // Acknowledged: the packet ids no longer name the seqs.
        expect(packetIds).toHaveLength(3);
        expect(packetIds.map((id) => ids.seqOf(id))).toEqual([undefined, undefined, undefined]);
      } finally {
        unwatch();
        await connection.end(true);
      }
    });
  });

  it('a QoS 1 message handed over while the broker is down is sent from the store on reconnect, with its seq', async () => {
    await withMosquitto(async (broker) => {
      const ids = new SeqMessageIds();
      const connection = await openConnection({ host: broker.host, port: broker.port, reconnectPeriodMs: 100 }, { source: 'test', clientOptions: { messageIdProvider: ids } });
      const publisher = new MqttPublisher(connection.client, ids, { retain: false, v5: false });
      const seen: string[] = [];
      let back!: () => void;
      const reconnected = new Promise<void>((resolve) => (back = resolve));
      const unwatch = publisher.watch({ transmitted: (seq) => seen.push(`sent ${seq}`), connected: () => (seen.push('connected'), back()), closed: () => seen.push('closed') });
      try {
        await broker.stop('graceful');
        await new Promise<void>((resolve) => (connection.client.connected ? connection.client.once('close', () => resolve()) : resolve()));
        expect(publisher.connected).toBe(false);
        const acked = new Promise<Error | undefined>((resolve) => publisher.publish(record(9, 1), 0, (e) => resolve(e ?? undefined)));
        await broker.start();
        await reconnected;
        expect(await acked).toBeUndefined();
        expect(seen.filter((s) => s !== 'closed')).toEqual(['sent 9', 'connected']);
      } finally {
        unwatch();
        await connection.end(true);
      }
    });
  }, 20_000);
});
