import { describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '../../src/core/records.js';
import { openConnection } from '../../src/io/mqtt-connection.js';
import { freePort } from '../../src/io/free-port.js';
import { brokerKinds, withBroker } from '../helpers/brokers.js';

describe.each(brokerKinds)('openConnection against %s', (kind) => {
  it('connects, stamps the CONNACK as an event, and ends cleanly', async () => {
    await withBroker(kind, async (broker) => {
      const events: ConnectionEvent[] = [];
      const connection = await openConnection({ host: broker.host, port: broker.port }, { source: 'test', onEvent: (e) => events.push(e) });
      expect(connection.client.connected).toBe(true);
      expect(events.map((e) => e.event)).toEqual(['connect']);
      expect(events[0]?.sessionPresent).toBe(false);
      await connection.end();
      expect(connection.client.connected).toBe(false);
    });
  });
});

describe('openConnection failures', () => {
  it('fails with E_UNREACHABLE when nothing listens', async () => {
    const port = await freePort();
    await expect(openConnection({ host: '127.0.0.1', port, connectTimeoutMs: 600, reconnectPeriodMs: 100 }, { source: 'test' })).rejects.toMatchObject({
      code: 'E_UNREACHABLE',
      exitCode: 3,
    });
  });
});
