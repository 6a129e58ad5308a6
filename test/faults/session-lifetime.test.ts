import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/app/replay/replay.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';

/** Does the broker hold a session under this id? (a persistent CONNECT's session-present flag; the probe leaves it as it found it, apart from creating one) */
async function sessionPresent(host: string, port: number, clientId: string): Promise<boolean> {
  const client = mqtt.connect({ host, port, clientId, clean: false, reconnectPeriod: 0 });
  const present = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  await client.endAsync();
  return present;
}

describe.runIf(mosquittoAvailable)('replay: what a persistent session leaves on the broker', () => {
  it('a random-id session (no --log) is ended after the run; a log-derived one is kept for a later run', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      const profile = join(dir, 'p.csv');
      writeFileSync(profile, 'time,value\n0,1\n0.01,2\n');
      const connection = { host: broker.host, port: broker.port };
      const random = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 1, connection });
      const logged = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 1, connection, log: join(dir, 'sent.csv') });
      expect(random.session?.origin).toBe('random');
      expect(logged.session?.origin).toBe('log');
      expect(await sessionPresent(broker.host, broker.port, random.session!.clientId)).toBe(false);
      expect(await sessionPresent(broker.host, broker.port, logged.session!.clientId)).toBe(true);
    });
  });
});
