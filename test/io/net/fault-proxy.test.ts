import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLEAR_LINK } from '../../../src/core/experiment/faults.js';
import { systemClock } from '../../../src/io/clock.js';
import { FaultProxy } from '../../../src/io/net/fault-proxy.js';

/** A target that echoes what it gets and remembers its sockets (to close them from the broker's side). */
async function echoServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the bytes once `count` have arrived, and when. */
function receive(socket: Socket, count: number): Promise<{ bytes: Buffer; at: number }> {
  const chunks: Buffer[] = [];
  let length = 0;
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= count) {
        socket.off('data', onData);
        resolve({ bytes: Buffer.concat(chunks), at: systemClock.now() });
      }
    };
    socket.on('data', onData);
  });
}

const closed = (socket: Socket): Promise<number> => new Promise((resolve) => socket.once('close', () => resolve(systemClock.now())));

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

async function setUp(random?: () => number): Promise<{ proxy: FaultProxy; target: Awaited<ReturnType<typeof echoServer>> }> {
  const target = await echoServer();
  const proxy = new FaultProxy({ targetHost: '127.0.0.1', targetPort: target.port, clock: systemClock, ...(random ? { random } : {}) });
  await proxy.listen();
  cleanup.push(() => new Promise<void>((resolve) => target.server.close(() => resolve())));
  cleanup.push(() => {
    for (const s of target.sockets) s.destroy();
  });
  cleanup.push(() => proxy.close());
  return { proxy, target };
}

/** A client through the proxy whose first byte went both ways (the broker side is connected), then a blackhole. */
async function blackholedAfterOneByte(): Promise<Awaited<ReturnType<typeof setUp>> & { socket: Socket }> {
  const { proxy, target } = await setUp();
  const socket = await client(proxy.port);
  const first = receive(socket, 1);
  socket.write('a');
  await first;
  proxy.setConditions({ ...CLEAR_LINK, holdUntil: systemClock.now() + 60_000 });
  return { proxy, target, socket };
}

async function client(port: number): Promise<Socket> {
  const socket = await connect(port);
  socket.on('error', () => undefined);
  cleanup.push(() => {
    socket.destroy();
  });
  return socket;
}

describe('FaultProxy', () => {
  it('passes bytes both ways, unchanged, on a clear link', async () => {
    const { proxy } = await setUp();
    const socket = await client(proxy.port);
    const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
    const echoed = receive(socket, payload.length);
    socket.write(payload);
    expect((await echoed).bytes.equals(payload)).toBe(true);
    expect(proxy.connections).toBe(1);
  });

  it('a cut closes every connection and resets new ones until it ends', async () => {
    const { proxy, target } = await setUp();
    const socket = await client(proxy.port);
    const echoed = receive(socket, 2);
    socket.write('hi');
    await echoed;
    const gone = closed(socket);
    const brokerSide = closed(target.sockets[0]!);
    proxy.setConditions({ ...CLEAR_LINK, cut: true });
    await Promise.all([gone, brokerSide]);
    // A new connection during the cut is accepted by the kernel, then reset at once.
    const refused = await connect(proxy.port).then(
      (s) => new Promise<string>((resolve) => s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error')).once('close', () => resolve('closed'))),
      (e: NodeJS.ErrnoException) => e.code ?? 'error',
    );
    expect(['ECONNRESET', 'closed']).toContain(refused);
    expect(proxy.connections).toBe(0);
    proxy.setConditions(CLEAR_LINK);
    const again = await client(proxy.port);
    const back = receive(again, 5);
    again.write('again');
    expect((await back).bytes.toString()).toBe('again');
  });

  it('a blackhole keeps the sockets open and lets nothing through, either way, until it ends', async () => {
    const { proxy, target, socket } = await blackholedAfterOneByte();
    const held = receive(socket, 4);
    socket.write('held');
    // The broker's side closes during the blackhole: the client must not see it yet.
    let clientClosedAt: number | undefined;
    void closed(socket).then((at) => (clientClosedAt = at));
    const brokerSocket = target.sockets[0]!;
    await systemClock.sleepUntil(systemClock.now() + 300);
    expect(clientClosedAt).toBeUndefined();
    expect(socket.destroyed).toBe(false);
    const liftedAt = systemClock.now();
    proxy.setConditions(CLEAR_LINK);
    const arrived = await held;
    expect(arrived.bytes.toString()).toBe('held');
    expect(arrived.at).toBeGreaterThanOrEqual(liftedAt);
    brokerSocket.destroy();
    await closed(socket);
  });

  it('a close during a blackhole reaches the other side only when it ends', async () => {
    const { proxy, target, socket } = await blackholedAfterOneByte();
    let clientClosedAt: number | undefined;
    const clientClosed = closed(socket).then((at) => (clientClosedAt = at));
    target.sockets[0]!.destroy();
    await systemClock.sleepUntil(systemClock.now() + 300);
    expect(clientClosedAt).toBeUndefined();
    const liftedAt = systemClock.now();
    proxy.setConditions(CLEAR_LINK);
    expect(await clientClosed).toBeGreaterThanOrEqual(liftedAt);
  });

  it('a delay holds every chunk at least that long each way and keeps the order under jitter', async () => {
    let n = 0;
    const { proxy } = await setUp(() => (n++ * 0.37) % 1);
    const socket = await client(proxy.port);
    proxy.setConditions({ ...CLEAR_LINK, delayMs: 100, jitterMs: 60 });
    const text = Array.from({ length: 40 }, (_, i) => `<${i}>`).join('');
    const echoed = receive(socket, text.length);
    const sentAt = systemClock.now();
    for (let i = 0; i < 40; i++) socket.write(`<${i}>`);
    const got = await echoed;
    expect(got.bytes.toString()).toBe(text);
    // 100 ms − 60 ms of jitter at least, each way.
    expect(got.at - sentAt).toBeGreaterThanOrEqual(80);
  });

  it('a throttle passes bytes no faster than its rate (roughly)', async () => {
    const { proxy } = await setUp();
    const socket = await client(proxy.port);
    proxy.setConditions({ ...CLEAR_LINK, bytesPerS: 20_000 });
    const payload = Buffer.alloc(30_000, 7);
    let firstAt: number | undefined;
    socket.once('data', () => (firstAt = systemClock.now()));
    const echoed = receive(socket, payload.length);
    const sentAt = systemClock.now();
    socket.write(payload);
    const got = await echoed;
    expect(got.bytes.length).toBe(payload.length);
    // 30 kB at 20 kB/s, throttled both ways, takes 1.5 s at least less the first slices; allow much more.
    expect(got.at - sentAt).toBeGreaterThanOrEqual(1400);
    expect(got.at - sentAt).toBeLessThan(20_000);
    // Bytes trickle: the first arrived long before the last.
    expect(got.at - firstAt!).toBeGreaterThan(1000);
  });
});
