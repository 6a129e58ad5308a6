import mqtt from 'mqtt';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProcessor } from '../../../src/app/process/process.js';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';

describe('process: the connection drops between CONNACK and SUBACK', () => {
  it('subscribes again once reconnected and processes what follows (it ended with an unexpected error, exit 1)', async () => {
    await withEmbeddedBroker(async (broker) => {
      let asked = 0;
      // The broker cuts the processor's connection on its first SUBSCRIBE, as a broker stopped at that moment does.
      broker.aedes.authorizeSubscribe = (client, sub, done) => {
        if (client?.id.startsWith('cut-') && asked++ === 0) {
          client.close();
          return;
        }
        done(null, sub);
      };
      const rules = join(tempDir(), 'double.yaml');
      writeFileSync(rules, 'name: double\nrules:\n  - name: double\n    on: in/+\n    do: { publish: { topic: "out/{sensor}", payload: "{value * 2}" } }\n');
      const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await watcher.subscribeAsync('out/#');
      const doubled = new Promise<string>((resolve) => watcher.on('message', (_topic, payload) => resolve(payload.toString())));
      let ready!: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      const controller = new AbortController();
      const done = runProcessor({ rules, connection: { host: broker.host, port: broker.port, clientId: 'cut-processor', reconnectPeriodMs: 50 }, signal: controller.signal, onReady: () => ready() });
      await Promise.race([isReady, done]);
      await watcher.publishAsync('in/a', '21');
      expect(await doubled).toBe('42');
      controller.abort();
      expect(await done).toMatchObject({ reconnects: 1, stoppedBy: 'signal' });
      expect(asked).toBe(2);
      await watcher.endAsync();
    });
  });

  it('Ctrl+C while the SUBSCRIBE waits for a reconnect stops it (the signal was watched only after the SUBACK)', async () => {
    await withEmbeddedBroker(async (broker) => {
      const controller = new AbortController();
      // Every SUBSCRIBE is cut: the processor never gets its SUBACK.
      broker.aedes.authorizeSubscribe = (client) => {
        client.close();
        controller.abort();
      };
      const rules = join(tempDir(), 'double.yaml');
      writeFileSync(rules, 'name: double\nrules:\n  - name: double\n    on: in/+\n    do: { publish: { topic: "out/{sensor}", payload: "{value * 2}" } }\n');
      let ready = false;
      const summary = await runProcessor({ rules, connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 50 }, signal: controller.signal, onReady: () => (ready = true) });
      expect(summary.stoppedBy).toBe('signal');
      expect(ready).toBe(false);
    });
  });
});
