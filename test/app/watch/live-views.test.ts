import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveState } from '../../../src/core/live/live-state.js';
import { LiveTerminal } from '../../../src/io/output/live-terminal.js';
import { LiveServer } from '../../../src/io/web/live-server.js';
import { topicsView } from '../../../src/io/web/live-page.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const bytes = (s: string): Buffer => Buffer.from(s);

/** Every write, as separate chunks. */
class Collector extends Writable {
  chunks: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString());
    done();
  }
}

describe('LiveTerminal (fake clock)', () => {
  it('on a terminal: at most 10 frames a second however many messages, then one a second while nothing changes', async () => {
    const clock = new FakeClock();
    const state = new LiveState();
    const out = new Collector();
    const view = new LiveTerminal(state, out, { tty: true, clock, size: () => ({ columns: 100, rows: 20 }) });
    const t0 = clock.now();
    view.start();
    const frames = (): number => out.chunks.filter((c) => c.includes('TOPIC')).length;
    // 5000 messages over one second, 5 a millisecond.
    for (let ms = 0; ms < 1000; ms++) {
      for (let k = 0; k < 5; k++) state.arrive({ topic: 'fast', receivedAt: clock.now(), payload: bytes(String(ms)) });
      await clock.advanceTo(t0 + ms + 1);
    }
    expect(frames()).toBe(10);
    expect(out.chunks.at(-1)).toMatch(/fast\s+5000\s/);
    // Idle: ages still move, once a second.
    await clock.advanceTo(t0 + 4000);
    expect(frames()).toBe(13);
    view.stop();
    expect(frames()).toBe(14); // the last frame stays on screen
    expect(out.chunks.at(-1)).toBe('\u001b[?25h');
    expect(clock.pending).toBe(0);
  });

  it('not a terminal: a line per changed topic once a second, marks as lines', async () => {
    const clock = new FakeClock();
    const state = new LiveState();
    const out = new Collector();
    const view = new LiveTerminal(state, out, { tty: false, clock });
    view.start();
    state.arrive({ topic: 'a', receivedAt: clock.now(), payload: bytes('1') });
    state.arrive({ topic: 'b', receivedAt: clock.now(), payload: bytes('2') });
    await clock.advanceBy(1000);
    state.arrive({ topic: 'a', receivedAt: clock.now(), payload: bytes('3') });
    state.event({ at: clock.now(), source: 'trace', event: 'offline' });
    await clock.advanceBy(1000);
    await clock.advanceBy(1000); // nothing new: nothing printed
    view.stop();
    const lines = out.chunks.join('').trimEnd().split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''));
    expect(lines).toEqual(['a count=1 rate=1.0/s last=1', 'b count=1 rate=1.0/s last=2', 'connection lost', 'a count=2 rate=1.0/s last=3']);
  });
});

/** An event-stream reader counting frames. */
async function openStream(url: string): Promise<{ frames: () => string[]; res: IncomingMessage }> {
  const frames: string[] = [];
  let buffer = '';
  const res = await new Promise<IncomingMessage>((resolve) => get(`${url}events`, resolve));
  res.on('data', (d: Buffer) => {
    buffer += d.toString();
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      frames.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  });
  return { frames: () => frames, res };
}

describe('LiveServer (fake clock)', () => {
  it('sends sampled frames: one per interval while something changes, one a second otherwise, never one per message', async () => {
    const clock = new FakeClock();
    const state = new LiveState();
    const server = new LiveServer(topicsView(state), { port: 0, clock });
    const url = await server.start();
    try {
      const stream = await openStream(url);
      await clock.advanceBy(0);
      await expect.poll(() => stream.frames().length).toBe(1); // the current state at once, with retry: 1000
      expect(stream.frames()[0]).toMatch(/^retry: 1000\ndata: \{"total":0,/);
      for (let i = 0; i < 10_000; i++) state.arrive({ topic: 't', receivedAt: clock.now(), payload: bytes(String(i)) });
      await clock.advanceBy(200);
      await expect.poll(() => stream.frames().length).toBe(2);
      expect(JSON.parse(stream.frames()[1]!.replace(/^data: /, '')) as unknown).toMatchObject({ total: 10_000, topics: [{ topic: 't', count: 10_000, last_value: 9999 }] });
      await clock.advanceBy(600); // unchanged
      expect(stream.frames()).toHaveLength(2);
      await clock.advanceBy(400); // a second since the last frame
      await expect.poll(() => stream.frames().length).toBe(3);
      stream.res.destroy();
    } finally {
      await server.close();
    }
  });

  it('drops a client that does not read', async () => {
    const clock = new FakeClock();
    const state = new LiveState();
    const server = new LiveServer(topicsView(state), { port: 0, clock, maxBufferedBytes: 64_000 });
    const url = new URL(await server.start());
    const socket = connect(Number(url.port), url.hostname);
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`GET /events HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      socket.pause(); // a tab that never reads
      await expect.poll(() => server.clientCount).toBe(1);
      const long = 'x'.repeat(200);
      let frames = 0;
      while (server.clientCount > 0 && frames < 2000) {
        for (let i = 0; i < 1000; i++) state.arrive({ topic: `t/${i}/${long}`, receivedAt: clock.now(), payload: bytes(long) });
        await clock.advanceBy(200);
        frames++;
      }
      expect(server.clientCount).toBe(0);
      // The server hung up: reading now finds the end of the stream.
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.resume();
      await closed;
    } finally {
      socket.destroy();
      await server.close();
    }
  }, 30_000);
});
