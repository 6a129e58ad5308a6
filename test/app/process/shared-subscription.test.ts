import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcessor, sharedSubscriptions, type ProcessSummary } from '../../../src/app/process/process.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { sinThroughProcessor } from '../../helpers/derived-run.js';

const sin = join(import.meta.dirname, '../../../rules/sin.yaml');

describe('shared subscriptions', () => {
  it('prefixes every input filter with $share/<group>/ and refuses a group that is not one level', () => {
    expect(sharedSubscriptions([{ filter: 'cep/x', qos: 0 }, { filter: 's/+/t', qos: 1 }], 'g')).toEqual([
      { filter: '$share/g/cep/x', qos: 0 },
      { filter: '$share/g/s/+/t', qos: 1 },
    ]);
    expect(sharedSubscriptions([{ filter: 'a', qos: 0 }], undefined)).toEqual([{ filter: 'a', qos: 0 }]);
    expect(() => sharedSubscriptions([], 'a/b')).toThrow(/^share: a share name is one topic level/);
  });

  it.runIf(mosquittoAvailable)('two processors of one group split a stream on Mosquitto: 0 lost, no duplicate', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir('sensortrace-share-');
      const controller = new AbortController();
      const readies: Array<Promise<void>> = [];
      const processors: Array<Promise<ProcessSummary>> = [];
      for (let i = 0; i < 2; i++) {
        let ready!: () => void;
        readies.push(new Promise<void>((ok) => (ready = ok)));
        processors.push(runProcessor({ rules: sin, share: 'cep', connection: { host: broker.host, port: broker.port, protocolVersion: 5 }, signal: controller.signal, onReady: () => ready() }));
      }
      await Promise.all(readies);
      const report = await sinThroughProcessor(broker.url, dir, 200, 0.005, (i) => (i / 50).toFixed(2));
      controller.abort();
      const [a, b] = await Promise.all(processors);
      // Each message went to one processor of the group, and each got some.
      expect(a!.received + b!.received).toBe(200);
      expect(a!.received).toBeGreaterThan(0);
      expect(b!.received).toBeGreaterThan(0);
      expect(report).toMatchObject({ sent: 200, delivered: 200, lost: 0, duplicates: 0, value_mismatches: 0, unexpected: 0 });
    });
  }, 60_000);
});
