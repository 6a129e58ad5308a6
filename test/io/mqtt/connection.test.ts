import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '../../../src/core/records.js';
import { openConnection, type MqttConnection } from '../../../src/io/mqtt/connection.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { MosquittoBroker } from '../../../src/io/broker/mosquitto-broker.js';
import { brokerKinds, mosquittoAvailable, tempDir, withBroker } from '../../helpers/brokers.js';

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

describe.runIf(mosquittoAvailable)('openConnection when a broker comes back refusing the credentials', () => {
  it('reports the refusal once, keeps retrying, and reconnects once the credentials are accepted again', async () => {
    const dir = tempDir('sensortrace-reauth-');
    const passwords = join(dir, 'passwords');
    const setPassword = (password: string): void => {
      writeFileSync(passwords, '');
      execFileSync('mosquitto_passwd', ['-b', passwords, 'lab', password]);
    };
    setPassword('right');
    const broker = new MosquittoBroker({ dir, persistence: false, allowAnonymous: false, extraConfig: [`password_file ${passwords}`] });
    await broker.start();
    const events: ConnectionEvent[] = [];
    let connection: MqttConnection | undefined;
    try {
      connection = await openConnection({ host: broker.host, port: broker.port, username: 'lab', password: 'right', reconnectPeriodMs: 100 }, { source: 'test', onEvent: (e) => events.push(e) });
      const client = connection.client;
      setPassword('changed');
      await broker.restart('graceful');
      // Several refused attempts: wait for them instead of sleeping.
      await new Promise<void>((resolve) => {
        let attempts = 0;
        const onReconnect = (): void => {
          if (++attempts === 4) {
            client.off('reconnect', onReconnect);
            resolve();
          }
        };
        client.on('reconnect', onReconnect);
      });
      const refusals = events.filter((e) => e.event === 'error');
      expect(refusals).toHaveLength(1);
      expect(refusals[0]!.detail).toMatch(/refused the reconnection.*still retrying/);
      setPassword('right');
      // Listening before the restart: with 100 ms between attempts the client may be back before it resolves.
      const back = new Promise<void>((resolve) => client.once('connect', () => resolve()));
      await broker.restart('graceful');
      await back;
      expect(events.filter((e) => e.event === 'connect')).toHaveLength(2);
    } finally {
      await connection?.end(true);
      await broker.stop('crash');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
