import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { readPasswordFile, startBrokerServer } from '../../../src/app/broker/broker-server.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { tempDir } from '../../helpers/brokers.js';

function file(text: string): string {
  const dir = tempDir('sensortrace-broker-server-');
  const path = join(dir, 'users.txt');
  writeFileSync(path, text);
  return path;
}

describe('readPasswordFile', () => {
  it('reads user:password lines, skipping comments and blank lines; a password may hold colons', () => {
    expect([...readPasswordFile(file('# users\n\nalice:s3cret\r\n  bob:a:b:c  \n'))]).toEqual([
      ['alice', 's3cret'],
      ['bob', 'a:b:c'],
    ]);
  });

  it.each([
    ['alice:s3cret\nbob\n', ':2: expected user:password'],
    [':nouser\n', ':1: expected user:password'],
    ['# only a comment\n', ': no user:password lines'],
  ])('%j → %s', (text, message) => {
    const path = file(text);
    expect(() => readPasswordFile(path)).toThrow(`${path}${message}`);
  });

  it('a missing file is an input error', () => {
    expect(() => readPasswordFile('/nonexistent/users.txt')).toThrow(expect.objectContaining({ code: 'E_INPUT' }));
  });
});

describe('startBrokerServer', () => {
  it('refuses anonymous clients when credentials are set, and logs what clients do', async () => {
    const lines: string[] = [];
    const broker = await startBrokerServer({ port: 0, credentials: new Map([['alice', 's3cret']]), log: (l) => lines.push(l) });
    try {
      await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toThrow(/Not authorized|Bad username/i);
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: 'alice', password: 's3cret', clientId: 'alice-1' });
      await client.subscribeAsync('a/#', { qos: 1 });
      await client.endAsync();
    } finally {
      await broker.close();
    }
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^refused /), 'client connected: alice-1 (clean 1, MQTT v4)', 'alice-1 subscribed: a/# (q1)']));
  });

  it('close() drops connected clients and frees the port; a second close() is the same', async () => {
    const broker = await startBrokerServer({ port: 0 });
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const closing = broker.close();
    expect(broker.close()).toBe(closing);
    await closing;
    await dropped;
    client.end(true);
    const again = await startBrokerServer({ port: broker.port });
    expect(again.port).toBe(broker.port);
    await again.close();
  });

  it('a port in use is a usage error, and nothing is left listening', async () => {
    const first = await startBrokerServer({ port: 0 });
    try {
      const wsPort = await freePort();
      await expect(startBrokerServer({ port: 0, wsPort: first.port })).rejects.toMatchObject({ code: 'E_USAGE', message: `cannot listen on 127.0.0.1:${first.port}: the port is in use` });
      // The failed server's TCP listener was closed: its WebSocket port choice is free for another.
      const second = await startBrokerServer({ port: 0, wsPort });
      expect(second.wsUrl).toBe(`ws://127.0.0.1:${wsPort}`);
      await second.close();
    } finally {
      await first.close();
    }
  });
});
