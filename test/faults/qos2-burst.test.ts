import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare } from '../../src/app/compare/compare.js';
import { replay } from '../../src/app/replay/replay.js';
import { trace } from '../../src/app/trace/trace.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';

/**
 * 200 QoS 2 publishes back to back (--max) into a Mosquitto with its default limits
 * (max_inflight_messages 20, max_queued_messages 1000, no persistence): every message the
 * broker acknowledged (PUBCOMP) reaches the subscriber exactly once.
 */
describe.runIf(mosquittoAvailable)('faults: 200 back-to-back QoS 2 publishes into a default Mosquitto', () => {
  it('received equals acknowledged, no duplicates', async () => {
    await withMosquitto(
      async (broker) => {
        const dir = tempDir();
        const profile = join(dir, 'burst.csv');
        writeFileSync(profile, ['time,value', ...Array.from({ length: 200 }, (_, i) => `${1_700_000_000 + i},${i}`)].join('\n') + '\n');
        const controller = new AbortController();
        let seen = 0;
        let allSeen!: () => void;
        const complete = new Promise<void>((resolve) => (allSeen = resolve));
        let ready!: () => void;
        const subscribed = new Promise<void>((resolve) => (ready = resolve));
        const tracing = trace({
          filters: ['burst/#'],
          qos: 2,
          output: join(dir, 'trace.csv'),
          signal: controller.signal,
          connection: { host: broker.host, port: broker.port },
          onReady: () => ready(),
          onMessage: () => {
            if (++seen === 200) allSeen();
          },
        });
        await Promise.race([subscribed, tracing]);
        const summary = await replay({ profile, topic: 'burst/{sensor}', pacing: { mode: 'max' }, qos: 2, payloadFormat: 'json', connection: { host: broker.host, port: broker.port }, log: join(dir, 'sent.csv') });
        expect(summary.acknowledged).toBe(200);
        let guard: NodeJS.Timeout | undefined;
        await Promise.race([complete, new Promise((resolve) => (guard = setTimeout(resolve, 10_000)))]);
        clearTimeout(guard);
        controller.abort();
        const traced = await tracing;
        expect(traced.received).toBe(summary.acknowledged);
        const { report } = await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'trace.csv')] });
        expect(report).toMatchObject({ sent: 200, delivered: 200, lost: 0, duplicates: 0, unexpected: 0 });
      },
      { persistence: false },
    );
  });
});
