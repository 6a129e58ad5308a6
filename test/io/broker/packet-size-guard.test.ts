import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startBrokerServer } from '../../../src/app/broker/broker-server.js';
import { startEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { DEFAULT_MAX_PACKET_BYTES } from '../../../src/io/broker/packet-size-guard.js';
import { tempDir } from '../../helpers/brokers.js';

/** MQTT 3.1.1 CONNECT for a clean session with this client id. */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c]);
  const payload = Buffer.concat([Buffer.from([id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, variable.length + payload.length]), variable, payload]);
}

/** The fixed header of a QoS 0 PUBLISH declaring `remaining` bytes (four length bytes). */
function publishHeader(remaining: number): Buffer {
  const bytes: number[] = [0x30];
  let n = remaining;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** Connects raw, waits for CONNACK; resolves the socket. */
async function rawClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  // The broker resets the connection it refuses: expected, seen through 'close'.
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(connectPacket(`raw-${port}`));
  const [connack] = (await once(socket, 'data')) as [Buffer];
  expect(connack[0]).toBe(0x20);
  return socket;
}

/** Writes `declared`'s header and then chunks of the body until the broker closes the socket or `sendBytes` are sent. */
async function sendHugePublish(socket: Socket, declared: number, sendBytes: number): Promise<{ closed: boolean; sent: number }> {
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.write(publishHeader(declared));
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  while (!closed && sent < sendBytes) {
    // Not events.once: it rejects on the 'error' (ECONNRESET) that comes with the refusal.
    if (!socket.write(chunk)) await new Promise<void>((resolve) => (socket.once('drain', resolve), socket.once('close', () => resolve())));
    sent += chunk.length;
  }
  if (!closed) {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => (socket.once('close', () => resolve()), (timer = setTimeout(resolve, 5000))));
    clearTimeout(timer);
  }
  return { closed, sent };
}

describe('the embedded broker refuses packets over its maximum size', () => {
  it('a client declaring a 256 MiB PUBLISH is disconnected at its header; the broker keeps serving others', async () => {
    const lines: string[] = [];
    const broker = await startEmbeddedBroker({ log: (l) => lines.push(l) });
    try {
      const socket = await rawClient(broker.port);
      const rssBefore = process.memoryUsage().rss;
      const { closed, sent } = await sendHugePublish(socket, 268_435_455, 32 * 1024 * 1024);
      expect(closed).toBe(true);
      // Refused at the header: far less than the 32 MiB it would have taken otherwise was read.
      expect(sent).toBeLessThan(32 * 1024 * 1024);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
      expect(lines.join('\n')).toMatch(/a packet of 268435455 bytes, over the limit \(16777216\): connection closed/);
      // Others are unaffected, and a packet under the limit passes.
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await client.subscribeAsync('big/ok', { qos: 1 });
      const got = new Promise<Buffer>((resolve) => client.once('message', (_topic, payload) => resolve(payload)));
      await client.publishAsync('big/ok', Buffer.alloc(1024 * 1024, 1), { qos: 1 });
      const payload = await got;
      expect(payload.length).toBe(1024 * 1024);
      await client.endAsync();
    } finally {
      await broker.close();
    }
  });

  it('a length field over four bytes (malformed) closes the connection', async () => {
    const lines: string[] = [];
    const broker = await startEmbeddedBroker({ maxPacketBytes: 4096, log: (l) => lines.push(l) });
    try {
      const socket = await rawClient(broker.port);
      const closed = once(socket, 'close');
      socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
      await closed;
      expect(lines.join('\n')).toMatch(/a malformed packet length: connection closed/);
    } finally {
      await broker.close();
    }
  });

  it('sensortrace broker (the server): default 16 MiB, configurable; a packet just over the limit is refused, one at it passes', async () => {
    expect(DEFAULT_MAX_PACKET_BYTES).toBe(16 * 1024 * 1024);
    const port = await freePort();
    const server = await startBrokerServer({ port, maxPacketBytes: 8192 });
    try {
      const over = await rawClient(port);
      expect((await sendHugePublish(over, 8193, 64 * 1024)).closed).toBe(true);
      const client = await mqtt.connectAsync(server.url, { reconnectPeriod: 0 });
      await client.subscribeAsync('lim/x', { qos: 1 });
      const got = new Promise<Buffer>((resolve) => client.once('message', (_topic, payload) => resolve(payload)));
      // Remaining length = 2 + topic + 2 (packet id) + payload = 8192.
      await client.publishAsync('lim/x', Buffer.alloc(8192 - 2 - 5 - 2, 7), { qos: 1 });
      const payload = await got;
      expect(payload.length).toBe(8192 - 9);
      await client.endAsync();
    } finally {
      await server.close();
    }
  });

  it('broker --state on a path that cannot be written fails at start, naming it', async () => {
    await expect(startBrokerServer({ port: await freePort(), stateFile: '/proc/none/state.json' })).rejects.toMatchObject({ code: 'E_OUTPUT', message: /\/proc\/none\/state\.json: cannot write here/ });
    // A path that works: nothing is refused (the state is written at stop).
    const dir = tempDir();
    const server = await startBrokerServer({ port: await freePort(), stateFile: join(dir, 'state.json') });
    await server.close();
  });
});
