import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trace, type TraceOptions } from '../../../src/app/trace/trace.js';
import { encodeReading } from '../../../src/core/mqtt/payload.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { brokerKinds, tempDir, withBroker, withEmbeddedBroker } from '../../helpers/brokers.js';
import { connectPublisher, publish, readTrace, reading, startTrace } from './helpers.js';

describe.each(brokerKinds)('trace against %s', (kind) => {
  it('records every message of a known replay with the right fields, acks, and stops at the count', async () => {
    await withBroker(kind, async (broker) => {
      const dir = tempDir();
      const output = join(dir, 'trace.csv');
      const run = startTrace({ filters: ['sensors/#'], qos: 1, output, count: 40, connection: { host: broker.host, port: broker.port } });
      await run.ready;
      const publisher = await connectPublisher(broker);
      const sentAt: number[] = [];
      for (let seq = 1; seq <= 40; seq++) {
        sentAt.push(Date.now());
        await publish(publisher, `sensors/hdd0/temp`, encodeReading('json', reading(seq), sentAt[seq - 1]!), 1);
      }
      const summary = await run.result;
      await publisher.endAsync();
      expect(summary).toMatchObject({ received: 40, written: 40, stoppedBy: 'count', reconnects: 0, sessionsLost: 0, retainedSkipped: 0 });
      const rows = await readTrace(output);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const row = rows[4]!;
      expect(row).toMatchObject({ topic: 'sensors/hdd0/temp', qos: 1, retain: false, dup: false, sensor: 'hdd0', profileTime: reading(5).time, value: reading(5).value, publishedAt: sentAt[4] });
      expect(row.latencyMs).toBeCloseTo(row.receivedAt - sentAt[4]!, 2);
      expect(row.latencyMs).toBeGreaterThanOrEqual(-5);
      expect(readFileSync(output, 'utf8').split('\n')[1]).toMatch(/^\d{13}\.\d{3},/);
      const events = readFileSync(join(dir, 'trace.events.csv'), 'utf8').trim().split('\n');
      expect(events[0]).toBe('at,source,event,session_present,detail');
      expect(events.slice(1).map((l) => l.split(',')[2])).toEqual(['connect', 'subscribe', 'close']);
      expect(events[1]).toMatch(/,trace,connect,0,$/);
    });
  });

  it('stops after an idle time, keeps binary and comma/newline payloads intact, and skips -T topics', async () => {
    await withBroker(kind, async (broker) => {
      const output = join(tempDir(), 'trace.csv');
      const run = startTrace({ filters: ['a/#', 'b/+'], exclude: ['a/debug/#'], qos: 2, output, idleMs: 400, flushIntervalMs: 60_000, connection: { host: broker.host, port: broker.port } });
      await run.ready;
      const publisher = await connectPublisher(broker);
      const payloads = [Buffer.from('x,y\n"z"\r\n'), Buffer.from([0, 159, 146, 150, 255]), Buffer.from('=1+2'), Buffer.alloc(0)];
      await publish(publisher, 'a/debug/x', 'not recorded', 2);
      for (const payload of payloads) await publish(publisher, 'b/c', payload, 2);
      const summary = await run.result;
      await publisher.endAsync();
      expect(summary).toMatchObject({ received: 4, written: 4, excluded: 1, stoppedBy: 'idle' });
      const rows = await readTrace(output);
      expect(rows.map((r) => r.payload.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
      expect(rows.every((r) => r.qos === 2 && r.topic === 'b/c')).toBe(true);
    });
  });

  it('marks retained messages, or skips them with skipRetained', async () => {
    await withBroker(kind, async (broker) => {
      const publisher = await connectPublisher(broker);
      await publish(publisher, 'r/t', 'stale', 1, true);
      const connection = { host: broker.host, port: broker.port };
      const marked = startTrace({ filters: ['r/#'], qos: 1, count: 1, output: join(tempDir(), 'a.csv'), connection });
      expect(await marked.result).toMatchObject({ received: 1 });
      expect((await readTrace((await marked.result).output!))[0]).toMatchObject({ retain: true, payload: Buffer.from('stale') });

      const skipping = startTrace({ filters: ['r/#'], qos: 1, count: 1, skipRetained: true, output: join(tempDir(), 'b.csv'), connection });
      await skipping.ready;
      await publish(publisher, 'r/t', 'live', 1);
      const summary = await skipping.result;
      await publisher.endAsync();
      expect(summary).toMatchObject({ received: 1, retainedSkipped: 1 });
      expect((await readTrace(summary.output!)).map((r) => [r.payload.toString(), r.retain])).toEqual([['live', false]]);
    });
  });

  it('on abort writes every row received so far (no flush timer needed) and closes the file whole', async () => {
    await withBroker(kind, async (broker) => {
      const output = join(tempDir(), 'trace.jsonl');
      const controller = new AbortController();
      let seen = 0;
      const run = startTrace({
        filters: ['s/#'],
        qos: 0,
        output,
        jsonl: true,
        flushIntervalMs: 60_000,
        signal: controller.signal,
        connection: { host: broker.host, port: broker.port },
        onMessage: () => {
          if (++seen === 25) controller.abort();
        },
      } as TraceOptions);
      await run.ready;
      const publisher = await connectPublisher(broker);
      let stop = false;
      const pumping = (async () => {
        for (let i = 0; !stop; i++) await publish(publisher, 's/x', `m${i}`, 0);
      })();
      const summary = await run.result;
      stop = true;
      await pumping;
      await publisher.endAsync();
      expect(summary.stoppedBy).toBe('signal');
      expect(summary.received).toBeGreaterThanOrEqual(25);
      const text = readFileSync(output, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { payload: string });
      expect(lines).toHaveLength(summary.received);
      expect(summary.written).toBe(summary.received);
      expect(lines[0]).toMatchObject({ topic: 's/x', qos: 0, retain: false, payload: 'm0' });
    });
  });

  it('with a persistent session, records the messages queued while it was away (acked only once recorded)', async () => {
    await withBroker(kind, async (broker) => {
      const connection = { host: broker.host, port: broker.port, clientId: `tr-${kind}-persist`, clean: false };
      const controller = new AbortController();
      const first = startTrace({ filters: ['q/#'], qos: 1, connection, signal: controller.signal });
      await first.ready;
      controller.abort();
      expect(await first.result).toMatchObject({ received: 0, stoppedBy: 'signal' });

      const publisher = await connectPublisher(broker);
      for (let i = 1; i <= 30; i++) await publish(publisher, 'q/x', String(i), 1);
      await publisher.endAsync();

      const output = join(tempDir(), 'trace.csv');
      const events: string[] = [];
      const second = startTrace({ filters: ['q/#'], qos: 1, connection, output, count: 30, idleMs: 5000, onEvent: (e) => events.push(`${e.event}:${e.sessionPresent ?? ''}`) });
      const summary = await second.result;
      expect(summary).toMatchObject({ received: 30, written: 30, stoppedBy: 'count' });
      expect((await readTrace(output)).map((r) => Number(r.payload.toString()))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(events[0]).toBe('connect:true');
    });
  });
});

describe('trace errors', () => {
  it('rejects a bad filter with a usage error before connecting or creating files', async () => {
    const output = join(tempDir(), 'never.csv');
    await expect(trace({ filters: ['sensors/#/x'], qos: 0, output, connection: { port: 1 } })).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/invalid topic filter "sensors\/#\/x"/) });
    expect(existsSync(output)).toBe(false);
  });

  it('fails with E_UNREACHABLE when no broker listens', async () => {
    const port = await freePort();
    const output = join(tempDir(), 'trace.csv');
    await expect(trace({ filters: ['#'], qos: 1, output, connection: { host: '127.0.0.1', port, connectTimeoutMs: 500, reconnectPeriodMs: 100 } })).rejects.toMatchObject({ code: 'E_UNREACHABLE', exitCode: 3 });
    expect(existsSync(output)).toBe(false);
    expect(existsSync(output.replace(/\.csv$/, '.events.csv'))).toBe(false);
  });

  it('stops at once when aborted while the broker is still unreachable', async () => {
    const port = await freePort();
    const controller = new AbortController();
    const result = trace({ filters: ['#'], qos: 1, signal: controller.signal, connection: { host: '127.0.0.1', port, connectTimeoutMs: 30_000, reconnectPeriodMs: 100 } });
    setImmediate(() => controller.abort());
    await expect(result).resolves.toMatchObject({ received: 0, stoppedBy: 'signal' });
  });
});

describe('trace QoS 2 on a connection drop', () => {
  it('records a message once when the broker resends it before our PUBREC got out', async () => {
    await withEmbeddedBroker(async (broker) => {
      const controller = new AbortController();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let firstArrived!: () => void;
      const arrived = new Promise<void>((resolve) => (firstArrived = resolve));
      let reconnected!: () => void;
      const back = new Promise<void>((resolve) => (reconnected = resolve));
      const records: string[] = [];
      let nextArrived!: () => void;
      const gotNext = new Promise<void>((resolve) => (nextArrived = resolve));
      const run = startTrace({
        filters: ['d/#'],
        qos: 2,
        signal: controller.signal,
        connection: { host: broker.host, port: broker.port, clientId: 'tr-dup', clean: false, reconnectPeriodMs: 50 },
        onEvent: (e) => {
          if (e.event === 'connect' && e.sessionPresent) reconnected();
        },
        // The first message holds its PUBREC (as a slow stdout would) while the connection drops.
        onMessage: (record) => {
          records.push(record.payload.toString());
          if (record.payload.toString() === 'next') nextArrived();
          if (records.length === 1) {
            firstArrived();
            return held;
          }
        },
      });
      await run.ready;
      const publisher = await connectPublisher({ name: 'aedes', url: broker.url, host: broker.host, port: broker.port });
      await publish(publisher, 'd/x', 'once', 2);
      await arrived;
      const acked = new Promise<void>((resolve) => broker.aedes.once('ack', () => resolve()));
      (broker.aedes as unknown as { clients: Record<string, { conn: { destroy(): void } }> }).clients['tr-dup']!.conn.destroy();
      await back;
      // aedes resends the unacknowledged PUBLISH on the resumed session; the tracer acks it as known.
      await acked;
      release();
      await publish(publisher, 'd/x', 'next', 2);
      await gotNext;
      controller.abort();
      const summary = await run.result;
      await publisher.endAsync();
      expect(records).toEqual(['once', 'next']);
      expect(summary.received).toBe(2);
    });
  });
});

describe('trace --append', () => {
  it('adds rows to an existing trace and its events without a second header', async () => {
    await withEmbeddedBroker(async (broker) => {
      const output = join(tempDir(), 'trace.csv');
      const publisher = await connectPublisher({ name: 'aedes', url: broker.url, host: broker.host, port: broker.port });
      for (const [i, append] of [[1, false], [2, true]] as const) {
        await publish(publisher, 'ap/x', `run${i}`, 1, true);
        const summary = await startTrace({ filters: ['ap/#'], qos: 1, count: 1, output, append, connection: { host: broker.host, port: broker.port } }).result;
        expect(summary.written).toBe(1);
      }
      await publisher.endAsync();
      const lines = readFileSync(output, 'utf8').trim().split('\n');
      expect(lines.filter((l) => l.startsWith('received_at,'))).toHaveLength(1);
      expect((await readTrace(output)).map((r) => r.payload.toString())).toEqual(['run1', 'run2']);
      const events = readFileSync(output.replace(/\.csv$/, '.events.csv'), 'utf8').trim().split('\n');
      expect(events.filter((l) => l.startsWith('at,'))).toHaveLength(1);
      expect(events.filter((l) => l.includes(',connect,'))).toHaveLength(2);
    });
  });
});
