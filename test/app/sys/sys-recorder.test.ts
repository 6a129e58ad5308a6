import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SysRecorder } from '../../../src/app/sys/sys-recorder.js';
import { sysCounter } from '../../../src/core/sys/sys-counters.js';
import { startEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { connectPublisher, publish } from '../trace/helpers.js';

const lines = (path: string): string[] => readFileSync(path, 'utf8').trimEnd().split('\n');

describe('SysRecorder', () => {
  it('stopped while the broker is unreachable: stops at once, start() settles, the file holds its header', async () => {
    const port = await freePort('127.0.0.1');
    const output = join(tempDir(), 'broker.sys.csv');
    const recorder = new SysRecorder({ connection: { url: `mqtt://127.0.0.1:${port}`, reconnectPeriodMs: 100 }, output });
    const started = recorder.start();
    const before = Date.now();
    const recording = recorder.stop();
    await started;
    expect(Date.now() - before).toBeLessThan(1000);
    expect(recording).toMatchObject({ rows: 0, output, counters: [] });
    expect(recording.error).toBeUndefined();
    expect(lines(output)).toEqual(['at,topic,value']);
  });

  it('an unreachable broker is kept as the recording\'s error, never thrown', async () => {
    const port = await freePort('127.0.0.1');
    const recorder = new SysRecorder({ connection: { url: `mqtt://127.0.0.1:${port}`, connectTimeoutMs: 300 }, output: join(tempDir(), 'sys.csv') });
    await recorder.start();
    expect(recorder.stop().error).toMatch(/unreachable|connect/i);
  });

  it('records aedes\'s client events and comes back after the broker restarts on the same port', async () => {
    let broker = await startEmbeddedBroker();
    const { port } = broker;
    const output = join(tempDir(), 'broker.sys.csv');
    const recorder = new SysRecorder({ connection: { url: broker.url, reconnectPeriodMs: 100 }, output, flushIntervalMs: 20 });
    try {
      await recorder.start();
      const count = (pattern: RegExp) => (): number => lines(output).filter((l) => pattern.test(l)).length;
      const connects = count(/\/new\/clients,/);
      // aedes announces each subscription on $SYS, the recorder's own too: it is subscribed (again).
      const ownSubscriptions = count(/\/new\/subscribes,.*st-sys-/);
      const grown = (counter: () => number, from: number): Promise<void> =>
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (counter() <= from) return;
            clearInterval(check);
            resolve();
          }, 20);
        });
      const connectOne = async (): Promise<void> => {
        const before = connects();
        const client = await connectPublisher({ name: 'aedes', url: broker.url, host: broker.host, port });
        await grown(connects, before);
        await client.endAsync();
      };
      await grown(ownSubscriptions, 0);
      await connectOne();
      await broker.close();
      broker = await startEmbeddedBroker({ port });
      await grown(ownSubscriptions, 1);
      await connectOne();
    } finally {
      const recording = recorder.stop();
      await broker.close();
      expect(sysCounter(recording, 'client_connects')!.delta).toBeGreaterThanOrEqual(2);
      expect(recording.error).toBeUndefined();
    }
  }, 20_000);
});

/** The last value of a $SYS topic in the file so far (flushed every 20 ms), as a number. */
function lastValue(path: string, topic: string): number | undefined {
  const rows = lines(path).filter((l) => l.split(',')[1] === topic);
  const last = rows.at(-1);
  return last === undefined ? undefined : parseFloat(last.split(',')[2]!);
}

/** Resolves once `condition` holds (checked every 20 ms); the test's timeout bounds it. */
function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = setInterval(() => {
      if (!condition()) return;
      clearInterval(check);
      resolve();
    }, 20);
  });
}

describe.runIf(mosquittoAvailable)('SysRecorder on a real Mosquitto restarted under it (no one tells it)', () => {
  it('sees the restart through uptime and sums the counter over both brokers', async () => {
    await withMosquitto(async (broker) => {
      const output = join(tempDir(), 'broker.sys.csv');
      const recorder = new SysRecorder({ connection: { url: broker.url, reconnectPeriodMs: 100 }, output, flushIntervalMs: 20 });
      const received = '$SYS/broker/publish/messages/received';
      const uptime = '$SYS/broker/uptime';
      try {
        await recorder.start();
        const sendAll = async (n: number): Promise<void> => {
          const client = await connectPublisher({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port });
          for (let i = 0; i < n; i++) await publish(client, 'lab/t', String(i), 1);
          await client.endAsync();
        };
        await sendAll(12);
        // Counted, and the broker up long enough that a new one's uptime is lower.
        await until(() => lastValue(output, received) === 12 && (lastValue(output, uptime) ?? 0) >= 4);
        await broker.restart('graceful');
        await until(() => (lastValue(output, uptime) ?? 99) < 4);
        await sendAll(5);
        await until(() => lastValue(output, received) === 5);
      } finally {
        const recording = recorder.stop();
        expect(recording.restarts).toBe(1);
        expect(sysCounter(recording, 'publish_received')).toMatchObject({ first: 0, last: 5, delta: 17 });
      }
    });
  }, 30_000);
});

