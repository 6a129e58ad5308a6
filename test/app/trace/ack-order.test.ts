import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeReading } from '../../../src/core/mqtt/payload.js';
import { brokerKinds, tempDir, withBroker, type BrokerUnderTest } from '../../helpers/brokers.js';
import { connectPublisher, reading, startTrace } from './helpers.js';

/**
 * A TCP relay in front of the broker that looks at what the tracer sends: at every PUBACK or
 * PUBREC it counts the rows already in the trace file. Acknowledgements are batched per burst,
 * so this is where a missing flush-before-ack would show. (The relay runs in the tracer's process:
 * it sees an ack sent ahead of rows that reach the file later, not the order within one tick.)
 */
async function ackWatchingRelay(broker: BrokerUnderTest, onAck: (count: number) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: broker.host, port: broker.port });
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let acks = 0;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // MQTT fixed header: type in the high nibble, then a variable-length remaining length.
      for (;;) {
        let length = 0;
        let multiplier = 1;
        let at = 1;
        let complete = false;
        while (at < pending.length && at <= 4) {
          const byte = pending[at++]!;
          length += (byte & 0x7f) * multiplier;
          multiplier *= 128;
          if ((byte & 0x80) === 0) {
            complete = true;
            break;
          }
        }
        if (!complete || pending.length < at + length) break;
        const type = pending[0]! >> 4;
        if (type === 4 || type === 5) onAck(++acks);
        pending = pending.subarray(at + length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const closeBoth = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay has no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const dataRows = (path: string): number => readFileSync(path, 'utf8').split('\n').filter((line) => line.includes('sensors/')).length;

describe.each(brokerKinds)('trace acknowledgements against %s', (kind) => {
  for (const qos of [1, 2] as const) {
    it(`sends every QoS ${qos} acknowledgement only after its row is in the file, also in bursts`, async () => {
      await withBroker(kind, async (broker) => {
        const output = join(tempDir(), 'trace.csv');
        const seen: Array<{ acked: number; rows: number }> = [];
        const relay = await ackWatchingRelay(broker, (acked) => seen.push({ acked, rows: dataRows(output) }));
        try {
          const total = 300;
          // No timer flushes during the test: only an acknowledgement may put rows in the file.
          const run = startTrace({ filters: ['sensors/#'], qos, output, count: total, flushIntervalMs: 60_000, connection: { host: '127.0.0.1', port: relay.port } });
          await run.ready;
          const publisher = await connectPublisher(broker);
          // Twenty at a time without waiting for each ack, so packets reach the tracer in bursts
          // (a larger QoS 2 window stalls Mosquitto 2.0.11).
          for (let first = 1; first <= total; first += 20) {
            await Promise.all(Array.from({ length: 20 }, (_, i) => publisher.publishAsync('sensors/hdd0/temp', encodeReading('plain', reading(first + i), Date.now()), { qos })));
          }
          const summary = await run.result;
          await publisher.endAsync();
          expect(summary.received).toBe(total);
          expect(seen.length).toBeGreaterThanOrEqual(total);
          for (const { acked, rows } of seen) expect(rows).toBeGreaterThanOrEqual(acked);
        } finally {
          await relay.close();
        }
      });
    });
  }
});
