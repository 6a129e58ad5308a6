import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/app/replay/replay.js';
import { systemClock } from '../../../src/io/clock.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';

/**
 * Paced sends must leave the process when they are made. MQTT.js corks its socket until the next
 * tick; a pacing loop that only spins between sends never reaches that tick, and at 1000 msg/s
 * held ~650 messages (16 KB) back before they went out in one burst.
 */
describe.runIf(mosquittoAvailable)('replay --rate pacing', () => {
  it('at 1000 msg/s a message reaches an independent subscriber long before hundreds more are due', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    const rows = 600;
    writeFileSync(profile, ['time,value', ...Array.from({ length: rows }, (_, i) => `${1_700_000_000 + i},${i}`)].join('\n') + '\n');
    const log = join(dir, 'sent.csv');
    await withMosquitto(async (broker) => {
      const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const arrivals: number[] = [];
      let all: () => void = () => {};
      const done = new Promise<void>((resolve) => (all = resolve));
      sub.on('message', () => {
        arrivals.push(systemClock.now());
        if (arrivals.length === rows) all();
      });
      await sub.subscribeAsync('pace/#', { qos: 0 });
      try {
        const summary = await replay({ profile, topic: 'pace/t', pacing: { mode: 'rate', hz: 1000 }, qos: 0, connection: { host: broker.host, port: broker.port }, log });
        expect(summary.published).toBe(rows);
        await done;
      } finally {
        await sub.endAsync();
      }
      const lines = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1);
      const plannedAt = (seq: number): number => Number(lines[seq - 1]!.split(',')[7]);
      // Loose on purpose (a loaded machine): the first arrival precedes the 300th planned send,
      // i.e. less than ~300 ms in the pipe, where the held-back burst took ~650 ms.
      expect(arrivals[0]!).toBeLessThan(plannedAt(300));
      expect(arrivals[299]!).toBeLessThan(plannedAt(600));
    });
  });
});
