import { readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkFaults } from '../../../src/app/experiment/network-faults.js';
import type { NetworkFault } from '../../../src/core/experiment/faults.js';
import { tempDir } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

/** A target that accepts and keeps connections (the broker's stand-in). */
async function target(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

function connect(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
    socket.on('error', () => undefined);
    cleanup.push(() => {
      socket.destroy();
    });
  });
}

describe('NetworkFaults', () => {
  it('puts a proxy in front of the broker only for the client a fault touches, and switches the fault on time', async () => {
    const port = await target();
    const clock = new FakeClock();
    const dir = tempDir();
    const cut: NetworkFault = { kind: 'cut', client: 'replayer', atMs: 1000, forMs: 500 };
    const faults = new NetworkFaults([cut], join(dir, 'faults.events.csv'), clock, new AbortController().signal);
    cleanup.push(() => faults.dispose());
    const urls = await faults.start(`mqtt://127.0.0.1:${port}`);
    expect(urls.recorder).toBe(`mqtt://127.0.0.1:${port}`);
    expect(urls.replayer).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.replayer).not.toBe(urls.recorder);

    const socket = await connect(urls.replayer);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const startAt = clock.now();
    faults.schedule(startAt);
    const over = faults.finished();
    await clock.advanceTo(startAt + 999);
    expect(socket.destroyed).toBe(false);
    await clock.advanceTo(startAt + 1000);
    await closed;
    await clock.advanceTo(startAt + 1500);
    await over;
    expect(faults.events.map((e) => [e.at - startAt, e.source, e.event, e.detail])).toEqual([
      [1000, 'fault', 'fault_start', 'cut replayer at 1s for 0.5s'],
      [1500, 'fault', 'fault_end', 'cut replayer at 1s for 0.5s'],
    ]);
    // After the cut, the link works again.
    await connect(urls.replayer);
  });

  it('a fault still on when the run ends is lifted, and says so', async () => {
    const port = await target();
    const clock = new FakeClock();
    const path = join(tempDir(), 'faults.events.csv');
    const faults = new NetworkFaults([{ kind: 'blackhole', client: 'both', atMs: 0, forMs: 60_000 }], path, clock, new AbortController().signal);
    const urls = await faults.start(`mqtt://localhost:${port}`);
    expect(urls.recorder).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    faults.schedule(clock.now());
    await clock.advanceBy(10);
    await faults.dispose();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => l.split(',').slice(1).join(','))).toEqual([
      'source,event,session_present,detail',
      'fault,fault_start,,blackhole both at 0s for 60s',
      'fault,fault_end,,blackhole both at 0s for 60s; lifted early: the run ended',
    ]);
  });

  it('an interrupted run heals the links at once: what a blackhole held goes through', async () => {
    const echo = createServer((s) => s.on('data', (chunk) => s.write(chunk)).on('error', () => undefined));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    const clock = new FakeClock();
    const abort = new AbortController();
    const faults = new NetworkFaults([{ kind: 'blackhole', client: 'recorder', atMs: 0, forMs: 60_000 }], join(tempDir(), 'faults.events.csv'), clock, abort.signal);
    cleanup.push(() => faults.dispose());
    const urls = await faults.start(`mqtt://127.0.0.1:${(echo.address() as AddressInfo).port}`);
    const socket = await connect(urls.recorder);
    faults.schedule(clock.now());
    await clock.advanceBy(1);
    const echoed = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())));
    socket.write('held');
    abort.abort();
    expect(await echoed).toBe('held');
    expect(faults.events.map((e) => e.detail)).toEqual(['blackhole recorder at 0s for 60s', 'blackhole recorder at 0s for 60s; lifted early: the run ended']);
  });

  it('without faults: no proxy, no file, the broker URL for both', async () => {
    const path = join(tempDir(), 'faults.events.csv');
    const faults = new NetworkFaults([], path, new FakeClock(), new AbortController().signal);
    expect(await faults.start('mqtt://127.0.0.1:1234')).toEqual({ replayer: 'mqtt://127.0.0.1:1234', recorder: 'mqtt://127.0.0.1:1234' });
    faults.schedule(0);
    await faults.finished();
    await faults.dispose();
    expect(() => readFileSync(path)).toThrow(/ENOENT/);
  });
});
