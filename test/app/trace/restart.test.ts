import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { trace } from '../../../src/app/trace/trace.js';
import { encodeReading } from '../../../src/core/mqtt/payload.js';
import type { Qos } from '../../../src/core/records.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { readTrace } from './helpers.js';

/**
 * The tutorial's exercise 8, made a test: Mosquitto with persistence is stopped (SIGTERM, it
 * saves its state) and started again in the middle of a stream, while a persistent-session
 * tracer records at QoS 1 and 2. Nothing the broker accepted may be missing; QoS 2 may not
 * duplicate anything.
 */
describe.skipIf(!mosquittoAvailable)('trace across a graceful Mosquitto restart (persistence on)', () => {
  it.each([1, 2] as const)('QoS %i: every accepted message is recorded', async (qos: Qos) => {
    await withMosquitto(async (broker) => {
      const total = 300;
      const output = join(tempDir(), 'trace.csv');
      const controller = new AbortController();
      const seen = new Map<number, number>();
      let allSeen!: () => void;
      const complete = new Promise<void>((resolve) => (allSeen = resolve));
      let ready!: () => void;
      const subscribed = new Promise<void>((resolve) => (ready = resolve));
      const run = trace({
        filters: ['sensors/#'],
        qos,
        output,
        signal: controller.signal,
        connection: { host: broker.host, port: broker.port, clientId: `tr-restart-q${qos}`, clean: false, reconnectPeriodMs: 100 },
        onReady: () => ready(),
        onMessage: (record) => {
          seen.set(record.seq!, (seen.get(record.seq!) ?? 0) + 1);
          if (seen.size === total) allSeen();
        },
      });
      await Promise.race([subscribed, run]);

      const publisher = mqtt.connect(broker.url, { clientId: `pub-restart-q${qos}`, clean: false, reconnectPeriod: 100 });
      await new Promise<void>((resolve) => publisher.once('connect', () => resolve()));
      const acked: Array<Promise<void>> = [];
      const send = (seq: number): void => {
        const payload = encodeReading('json', { seq, sensor: 's1', time: seq * 1000, value: seq }, Date.now());
        acked.push(new Promise((resolve, reject) => publisher.publish('sensors/s1/temp', payload, { qos }, (error) => (error ? reject(error) : resolve()))));
      };
      // First half goes out in one burst, so the restart catches messages in flight both ways.
      for (let seq = 1; seq <= total / 2; seq++) send(seq);
      const traceWentOffline = new Promise<void>((resolve) => publisher.once('offline', () => resolve()));
      await broker.restart('graceful');
      await traceWentOffline;
      // Second half while the clients are still reconnecting: MQTT.js queues them.
      for (let seq = total / 2 + 1; seq <= total; seq++) send(seq);
      await Promise.all(acked);
      // Guard only: a lost message shows up as a clear "missing" failure below instead of a hang.
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([complete, run, new Promise((resolve) => (guard = setTimeout(resolve, 20_000)))]);
      clearTimeout(guard);
      controller.abort();
      const summary = await run;
      publisher.end(true);

      const rows = await readTrace(output);
      const seqs = rows.map((r) => r.seq!);
      const missing = Array.from({ length: total }, (_, i) => i + 1).filter((s) => !seqs.includes(s));
      expect(missing).toEqual([]);
      expect(summary.written).toBe(rows.length);
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      expect(summary.sessionsLost).toBe(0);
      if (qos === 2) expect(rows.length).toBe(total);
      const events = readFileSync(join(output.replace(/\.csv$/, '.events.csv')), 'utf8');
      expect(events).toMatch(/,trace,offline,,/);
      expect(events).toMatch(/,trace,connect,1,/);
      expect(events).not.toMatch(/session_lost/);
    });
  });
});

describe.skipIf(!mosquittoAvailable)('trace when the broker loses the session', () => {
  it.each([
    ['a persistent session on a broker without persistence', false, 1],
    ['a clean session', true, 0],
  ] as const)('%s: logs it, subscribes again, and keeps recording', async (_name, clean, lost) => {
    await withMosquitto(
      async (broker) => {
        const events: string[] = [];
        let resubscribed!: () => void;
        const again = new Promise<void>((resolve) => (resubscribed = resolve));
        let ready!: () => void;
        const subscribed = new Promise<void>((resolve) => (ready = resolve));
        const run = trace({
          filters: ['x/#'],
          qos: 1,
          count: 2,
          connection: { host: broker.host, port: broker.port, clientId: `tr-lost-${String(clean)}`, clean, reconnectPeriodMs: 100 },
          onReady: () => ready(),
          onEvent: (e) => {
            events.push(e.event);
            if (e.event === 'subscribe' && /resubscribed/.test(e.detail ?? '')) resubscribed();
          },
        });
        await Promise.race([subscribed, run]);
        const publisher = mqtt.connect(broker.url, { reconnectPeriod: 100 });
        await new Promise<void>((resolve) => publisher.once('connect', () => resolve()));
        await publisher.publishAsync('x/1', 'before', { qos: 1 });
        await broker.restart('graceful');
        await Promise.race([again, run]);
        await publisher.publishAsync('x/1', 'after', { qos: 1 });
        const summary = await run;
        publisher.end(true);
        expect(summary).toMatchObject({ received: 2, reconnects: 1, sessionsLost: lost, stoppedBy: 'count' });
        expect(events.filter((e) => e === 'session_lost')).toHaveLength(lost);
        expect(events).toContain('offline');
      },
      { persistence: false },
    );
  });

  it('MQTT 5 shared subscription: two tracers split one stream without overlap', async () => {
    await withMosquitto(async (broker) => {
      const seen: string[][] = [[], []];
      const controllers = [new AbortController(), new AbortController()];
      const readies: Array<Promise<void>> = [];
      const runs = [0, 1].map((i) => {
        let ready!: () => void;
        readies.push(new Promise<void>((resolve) => (ready = resolve)));
        return trace({
          filters: ['$share/recorders/sh/#'],
          qos: 1,
          signal: controllers[i]!.signal,
          connection: { host: broker.host, port: broker.port, protocolVersion: 5 },
          onReady: () => ready(),
          onMessage: (r) => {
            seen[i]!.push(r.payload.toString());
            if (seen[0]!.length + seen[1]!.length === 40) controllers.forEach((c) => c.abort());
          },
        });
      });
      await Promise.all(readies);
      const publisher = mqtt.connect(broker.url, { protocolVersion: 5 });
      await new Promise<void>((resolve) => publisher.once('connect', () => resolve()));
      for (let i = 1; i <= 40; i++) await publisher.publishAsync('sh/t', String(i), { qos: 1 });
      const summaries = await Promise.all(runs);
      publisher.end(true);
      const all = [...seen[0]!, ...seen[1]!].map(Number).sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(summaries[0]!.received + summaries[1]!.received).toBe(40);
      expect(seen[0]!.length).toBeGreaterThan(0);
      expect(seen[1]!.length).toBeGreaterThan(0);
    });
  });
});
