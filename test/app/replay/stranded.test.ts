import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/app/replay/replay.js';
import { tempDir } from '../../helpers/brokers.js';

const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);

/**
 * A broker that accepts, answers CONNECT, then stops reading: the replayer's socket fills up and
 * MQTT.js parks QoS 0 callbacks on 'drain'. Once the replayer has stalled, the connection is
 * dropped; every later connection is read and discarded normally.
 */
function stallingBroker(): Promise<{ port: number; stalled: Promise<void>; close: () => void }> {
  let first = true;
  let markStalled!: () => void;
  const stalled = new Promise<void>((resolve) => (markStalled = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    if (first) {
      first = false;
      socket.once('data', () => {
        socket.write(CONNACK);
        socket.pause();
        // Give the replayer time to fill the socket buffers, then pull the plug.
        setTimeout(() => {
          markStalled();
          socket.destroy();
        }, 1500);
      });
    } else {
      socket.once('data', () => socket.write(CONNACK));
      socket.resume();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ port, stalled, close: () => { for (const s of sockets) s.destroy(); server.close(); } });
    }),
  );
}

describe('replay --max at QoS 0 when the connection drops under backpressure', () => {
  it('counts the messages stranded in the client as dropped and finishes instead of hanging', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    const rows = 200_000;
    writeFileSync(profile, 'time,value\n' + Array.from({ length: rows }, (_, i) => `${1_700_000_000 + i},${(i % 1000) / 10}`).join('\n') + '\n');
    const broker = await stallingBroker();
    try {
      const summary = await replay({
        profile,
        topic: 'stall/test/with/a/longer/topic/to/fill/buffers',
        qos: 0,
        pacing: { mode: 'max' },
        connection: { host: '127.0.0.1', port: broker.port, reconnectPeriodMs: 100 },
        drainTimeoutMs: 2000,
      });
      await broker.stalled;
      expect(summary.sent).toBe(rows);
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(summary.dropped).toBeGreaterThan(0);
      expect(summary.published + summary.dropped + summary.queued).toBe(rows);
    } finally {
      broker.close();
    }
  }, 60_000);
});

describe('replay interrupted while the broker is unreachable', () => {
  it('stops at the signal, not at the connect timeout, and leaves no empty log', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeFileSync(profile, 'time,value\n1700000000,1\n1700000001,2\n');
    const { freePort } = await import('../../../src/io/broker/free-port.js');
    const port = await freePort();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const log = join(dir, 'sent.csv');
    const summary = await replay({ profile, topic: 't', qos: 1, pacing: { mode: 'max' }, connection: { host: '127.0.0.1', port, connectTimeoutMs: 20_000, reconnectPeriodMs: 100 }, log, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(summary.sent).toBe(0);
    const { existsSync } = await import('node:fs');
    expect(existsSync(log)).toBe(false);
  });
});
