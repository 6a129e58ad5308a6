import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { warmUp } from '../../../src/app/trace/warm-up.js';
import type { Qos } from '../../../src/core/records.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { connectPublisher, readTrace, startTrace } from './helpers.js';

describe('warmUp (synthetic messages through MQTT.js and a Recorder before subscribing)', () => {
  const cases: Array<{ qos: Qos; protocolVersion: 4 | 5; jsonl: boolean }> = [
    { qos: 0, protocolVersion: 4, jsonl: false },
    { qos: 1, protocolVersion: 4, jsonl: false },
    { qos: 2, protocolVersion: 4, jsonl: true },
    { qos: 1, protocolVersion: 5, jsonl: false },
    { qos: 2, protocolVersion: 5, jsonl: false },
  ];
  it.each(cases)('records every message at QoS $qos, MQTT $protocolVersion (jsonl $jsonl)', async (options) => {
    expect(await warmUp({ ...options, messages: 250 })).toBe(250);
  });

  it('is built from the real connection options but never goes to their address, TLS files or credentials', async () => {
    // Unreachable address, unreadable TLS files: had the warm-up used them, it would record nothing.
    const connection = { url: 'mqtts://192.0.2.1:8883', cafile: '/nonexistent/ca.pem', username: 'u', password: 'p', keepalive: 30, receiveMaximum: 100 };
    expect(await warmUp({ qos: 1, protocolVersion: 5, jsonl: false, messages: 250, connection })).toBe(250);
    expect(await warmUp({ qos: 2, protocolVersion: 4, jsonl: false, messages: 250, connection })).toBe(250);
  });

  it('ends at once when the tracer is stopped first (Ctrl+C during start-up)', async () => {
    expect(await warmUp({ qos: 1, protocolVersion: 4, jsonl: false, until: Promise.resolve() })).toBe(0);
  });
});

describe.runIf(mosquittoAvailable)('trace under MQTT 5 announces a large Receive Maximum', () => {
  /**
   * Mosquitto queues at most max_queued_messages (here 10) per subscriber beyond its in-flight
   * window and drops the rest. The tracer holds its first acknowledgement until the publisher has
   * sent everything: under MQTT 3.1.1 the window is max_inflight_messages (20) and most of the
   * burst is dropped; under MQTT 5 the window is the Receive Maximum the tracer announced.
   */
  async function burstWhileHolding(protocolVersion: 4 | 5, total: number, receiveMaximum?: number): Promise<{ recorded: number; log: string; file: string }> {
    return withMosquitto(
      async (broker) => {
        const output = join(tempDir(), 'trace.csv');
        let publishedAll!: () => void;
        const published = new Promise<void>((resolve) => (publishedAll = resolve));
        let held = false;
        const run = startTrace({
          filters: ['rm/#'],
          qos: 1,
          output,
          idleMs: 1500,
          count: total,
          warmUp: false,
          connection: { host: broker.host, port: broker.port, protocolVersion, ...(receiveMaximum === undefined ? {} : { receiveMaximum }) },
          onMessage: () => {
            if (held) return undefined;
            held = true;
            return published;
          },
        });
        await run.ready;
        const publisher = await connectPublisher({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port });
        await Promise.all(Array.from({ length: total }, (_, i) => publisher.publishAsync('rm/t', `m${i}`, { qos: 1 })));
        publisher.end();
        publishedAll();
        const summary = await run.result;
        return { recorded: summary.received, log: readFileSync(broker.logPath, 'utf8'), file: output };
      },
      { persistence: false, extraConfig: ['max_queued_messages 10'] },
    );
  }

  it('MQTT 5: the whole burst is recorded although the tracer held its acknowledgements', async () => {
    const total = 300;
    const { recorded, log, file } = await burstWhileHolding(5, total);
    expect(log).not.toMatch(/dropped/);
    expect(recorded).toBe(total);
    expect((await readTrace(file)).length).toBe(total);
  });

  it.each([
    { what: 'MQTT 5 with a Receive Maximum of 20', protocolVersion: 5 as const, receiveMaximum: 20 },
    { what: 'MQTT 3.1.1 (max_inflight_messages applies)', protocolVersion: 4 as const, receiveMaximum: undefined },
  ])('$what: the same burst overflows the queue', async ({ protocolVersion, receiveMaximum }) => {
    const { recorded, log } = await burstWhileHolding(protocolVersion, 300, receiveMaximum);
    expect(log).toMatch(/Outgoing messages are being dropped/);
    expect(recorded).toBeLessThan(300);
  });
});
