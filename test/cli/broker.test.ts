import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../../src/io/broker/free-port.js';
import { openConnection } from '../../src/io/mqtt/connection.js';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

describe('sensortrace broker', () => {
  it('serves MQTT and WebSocket with a password file, logs with -v, and stops on abort', async () => {
    const dir = tempDir('sensortrace-broker-cli-');
    const users = join(dir, 'users.txt');
    writeFileSync(users, '# lab users\nalice:s3cret\n');
    const [port, wsPort] = [await freePort(), await freePort()];
    const controller = new AbortController();
    const run = runCli(['broker', '-p', String(port), '--ws-port', String(wsPort), '--password-file', users, '-v'], { signal: controller.signal });
    try {
      await waitForPort(port);
      await waitForPort(wsPort);
      const refused = openConnection({ url: `mqtt://127.0.0.1:${port}`, username: 'alice', password: 'wrong', connectTimeoutMs: 5000 }, { source: 'test' });
      await expect(refused).rejects.toMatchObject({ code: 'E_AUTH' });

      const sub = await openConnection({ url: `ws://127.0.0.1:${wsPort}`, username: 'alice', password: 's3cret', clientId: 'ws-sub' }, { source: 'test' });
      const got = new Promise<string>((resolve) => sub.client.once('message', (_t, p) => resolve(p.toString())));
      await sub.client.subscribeAsync('sensors/#', { qos: 1 });
      const pub = await openConnection({ url: `mqtt://127.0.0.1:${port}`, username: 'alice', password: 's3cret' }, { source: 'test' });
      await pub.client.publishAsync('sensors/temperature', '1266193804 32', { qos: 1 });
      expect(await got).toBe('1266193804 32');
      await pub.end();
      await sub.end();
    } finally {
      controller.abort();
    }
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`listening on mqtt://127.0.0.1:${port} and ws://127.0.0.1:${wsPort}`);
    expect(result.stderr).toMatch(/client connected: ws-sub/);
    expect(result.stderr).toMatch(/ws-sub subscribed: sensors\/# \(q1\)/);
    // Stopped means the port is free again.
    const probe = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 2000 });
    await new Promise<void>((resolve) => probe.once('error', () => resolve()).once('close', () => resolve()));
    expect(probe.connected).toBe(false);
    probe.end(true);
  });

  it('rejects a malformed password file with file:line, exit 2', async () => {
    const dir = tempDir('sensortrace-broker-cli-');
    const users = join(dir, 'users.txt');
    writeFileSync(users, 'alice\n');
    const result = await runCli(['broker', '-p', String(await freePort()), '--password-file', users]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${users}:1: expected user:password`);
  });
});
