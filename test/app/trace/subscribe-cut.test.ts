import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeReading } from '../../../src/core/mqtt/payload.js';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';
import { connectPublisher, publish, readTrace, reading, startTrace } from './helpers.js';

describe('trace: the connection drops between CONNACK and SUBACK', () => {
  it('subscribes again once reconnected and records what follows (it ended with an unexpected error, exit 1)', async () => {
    await withEmbeddedBroker(async (broker) => {
      let refused = 0;
      // The broker cuts the connection on the first SUBSCRIBE, as a broker stopped at that moment does.
      broker.aedes.authorizeSubscribe = (client, sub, done) => {
        if (refused++ === 0) {
          client.close();
          return;
        }
        done(null, sub);
      };
      const output = join(tempDir(), 'trace.csv');
      const run = startTrace({ filters: ['cut/#'], qos: 1, output, count: 3, warmUp: false, connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 50 } });
      await run.ready;
      const publisher = await connectPublisher({ name: 'aedes', host: broker.host, port: broker.port, url: broker.url } as never);
      for (let seq = 1; seq <= 3; seq++) await publish(publisher, 'cut/s', encodeReading('json', reading(seq), Date.now()), 1);
      const summary = await run.result;
      await publisher.endAsync();
      expect(refused).toBe(2);
      expect(summary).toMatchObject({ received: 3, stoppedBy: 'count', reconnects: 1 });
      expect((await readTrace(output)).map((r) => r.seq)).toEqual([1, 2, 3]);
    });
  });
});
