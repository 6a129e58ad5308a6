import { describe, expect, it } from 'vitest';
import { TraceSubscription } from '../../../src/app/trace/subscription.js';
import { parseTopicFilter } from '../../../src/core/mqtt/topic-filter.js';
import { openConnection } from '../../../src/io/mqtt/connection.js';
import { withEmbeddedBroker } from '../../helpers/brokers.js';

describe('TraceSubscription', () => {
  it('subscribes, and subscribes again after a reconnect that found no session (only once confirmed and while active)', async () => {
    await withEmbeddedBroker(async (broker) => {
      const connection = await openConnection({ host: broker.host, port: broker.port, clientId: 'sub-test', reconnectPeriodMs: 50 }, { source: 'test' });
      const client = connection.client;
      const dropAndReconnect = async (): Promise<void> => {
        const back = new Promise<void>((resolve) => client.once('connect', () => resolve()));
        (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients['sub-test']!.conn.destroy();
        await back;
        // A round trip: the SUBACK of a resubscribe sent at the connect comes before this one's.
        await client.subscribeAsync('roundtrip', { qos: 0 });
      };
      try {
        const subscription = new TraceSubscription(client, [parseTopicFilter('a/#'), parseTopicFilter('b/+')], 1);
        let active = true;
        const notes: string[] = [];
        let noted: (() => void) | undefined;
        subscription.resubscribeAfterLostSession(
          () => active,
          (kind, detail) => {
            notes.push(`${kind}: ${detail}`);
            noted?.();
          },
        );
        const granted = await subscription.subscribe();
        await dropAndReconnect(); // not confirmed yet: no resubscribe
        expect(notes).toEqual([]);
        expect(subscription.confirm(granted)).toBe('a/# q1 b/+ q1');
        const resubscribed = new Promise<void>((resolve) => (noted = resolve));
        await dropAndReconnect(); // clean session: the broker kept nothing
        await resubscribed;
        expect(notes).toEqual(['subscribe: resubscribed after a lost session: a/# q1 b/+ q1']);
        active = false;
        await dropAndReconnect();
        expect(notes).toHaveLength(1);
      } finally {
        await connection.end(true);
      }
    });
  });
});
