import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, type CompareOptions } from '../../../src/app/compare/compare.js';
import { messageForCli } from '../../../src/cli/option-flags.js';
import { replay, type ReplayOptions } from '../../../src/app/replay/replay.js';
import { trace } from '../../../src/app/trace/trace.js';
import { generateProfileLines } from '../../../src/core/profile/generate.js';
import type { PayloadFormat } from '../../../src/core/mqtt/payload.js';
import type { Qos } from '../../../src/core/records.js';
import { EventsWriter } from '../../../src/io/logs/events-writer.js';
import { mosquittoAvailable, tempDir, withEmbeddedBroker, withMosquitto } from '../../helpers/brokers.js';

function profileFile(dir: string, sensors: string[], readings: number, rateHz: number): string {
  const path = join(dir, 'profile.csv');
  const lines = generateProfileLines({ pattern: 'ramp', sensors, rateHz, durationMs: (readings / rateHz) * 1000, startMs: 1_266_193_804_000, shape: 'wide', timeFormat: 'epoch-s', delimiter: ',', noise: 0.3 });
  writeFileSync(path, [...lines].join(''));
  return path;
}

/**
 * A tracer that stops once it has seen every expected distinct reading (by topic and
 * payload), so the test waits for the stream instead of sleeping.
 */
function startTracer(options: { host: string; port: number; output: string; qos: Qos; expected: number; clientId?: string }) {
  const controller = new AbortController();
  const seen = new Set<string>();
  let ready!: () => void;
  const subscribed = new Promise<void>((resolve) => (ready = resolve));
  const result = trace({
    filters: ['sensors/#'],
    qos: options.qos,
    output: options.output,
    signal: controller.signal,
    connection: { host: options.host, port: options.port, reconnectPeriodMs: 100, ...(options.clientId ? { clientId: options.clientId, clean: false } : {}) },
    onReady: () => ready(),
    onMessage: (record) => {
      seen.add(`${record.topic} ${record.payload.toString('utf8').replace(/"sent_at":[^}]*/, '')}`);
      if (seen.size >= options.expected) controller.abort();
    },
  });
  return { ready: Promise.race([subscribed, result.then(() => undefined)]), result };
}

describe('replay → trace → compare', () => {
  it('on the embedded broker: everything delivered, matched by seq; a bare profile as --sent agrees', async () => {
    await withEmbeddedBroker(async (broker) => {
      const dir = tempDir();
      const profile = profileFile(dir, ['hdd0', 'hdd1'], 30, 20);
      const tracer = startTracer({ host: broker.host, port: broker.port, output: join(dir, 'trace.csv'), qos: 1, expected: 60 });
      await tracer.ready;
      const summary = await replay({ profile, topic: 'sensors/{sensor}/temperature', pacing: { mode: 'max' }, qos: 1, payloadFormat: 'json', log: join(dir, 'sent.csv'), connection: { host: broker.host, port: broker.port } });
      expect(summary.acknowledged).toBe(60);
      await tracer.result;

      const { report, files } = await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'trace.csv')], output: join(dir, 'compare'), formats: ['json', 'png'] });
      expect([report.sent, report.received, report.delivered, report.lost, report.duplicates, report.unexpected, report.value_mismatches]).toEqual([60, 60, 60, 0, 0, 0, 0]);
      expect(report.match.rule).toBe('seq');
      expect(report.latency_ms.count).toBe(60);
      expect(report.latency_ms.p50).toBeGreaterThanOrEqual(0);
      expect(Object.keys(report.by_sensor)).toEqual(['hdd0', 'hdd1']);
      expect(files).toEqual([join(dir, 'compare.json'), join(dir, 'compare.png')]);
      // The events files written by replay and trace are picked up beside their outputs.
      expect(report.inputs.events).toEqual([join(dir, 'sent.events.csv'), join(dir, 'trace.events.csv')]);
      expect(report.outages).toEqual([]);

      const fromProfile = await compare({ sent: profile, topic: 'sensors/{sensor}/temperature', qos: 1, received: [join(dir, 'trace.csv')] });
      expect([fromProfile.report.sent, fromProfile.report.delivered, fromProfile.report.lost, fromProfile.report.value_mismatches, fromProfile.report.inputs.sent_kind]).toEqual([60, 60, 0, 0, 'profile']);
      expect(fromProfile.report.match.by_seq).toBe(60);
    });
  });

  it.skipIf(!mosquittoAvailable)('on Mosquitto with a graceful restart at QoS 1: none lost, the outage window counted, plain payloads matched by topic and time', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir();
      const readings = 200;
      const profile = profileFile(dir, ['hdd0'], readings, 100);
      const tracer = startTracer({ host: broker.host, port: broker.port, output: join(dir, 'trace.csv'), qos: 1, expected: readings, clientId: 'compare-e2e-tracer' });
      await tracer.ready;
      const brokerEvents = new EventsWriter(join(dir, 'broker.events.csv'));
      let restart: Promise<void> | undefined;
      const options: ReplayOptions = {
        profile,
        topic: 'sensors/{sensor}/temperature',
        pacing: { mode: 'profile' },
        qos: 1,
        payloadFormat: 'plain' as PayloadFormat,
        log: join(dir, 'sent.csv'),
        connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100 },
        onProgress: (p) => {
          if (restart || p.acknowledged < 50) return;
          // Stamped inside the real downtime (after the process exited, before it is started
          // again), so every message planned in the window had to wait for the restart.
          restart = (async () => {
            await broker.stop('graceful');
            brokerEvents.write({ at: Date.now(), source: 'broker', event: 'broker_stop', detail: 'graceful' });
            await new Promise((resolve) => setTimeout(resolve, 300)); // the outage itself, not a wait for an event
            brokerEvents.write({ at: Date.now(), source: 'broker', event: 'broker_start' });
            await broker.start();
          })();
        },
      };
      await replay(options);
      await restart;
      brokerEvents.close();
      await tracer.result;

      const base = join(dir, 'compare');
      const { report } = await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'trace.csv')], events: [join(dir, 'broker.events.csv')], output: base, formats: ['json', 'gp', 'svg'] });
      expect(report.match.rule).toBe('topic+time');
      expect([report.sent, report.delivered, report.lost, report.unexpected]).toEqual([readings, readings, 0, 0]);
      expect(report.received).toBe(readings + report.duplicates);
      expect(report.outages).toHaveLength(1);
      const outage = report.outages[0]!;
      expect(outage.kind).toBe('broker');
      expect(outage.sent).toBeGreaterThan(0);
      expect(outage.lost).toBe(0);
      expect([outage.late, outage.on_time]).toEqual([outage.sent, 0]);
      expect(report.late).toBe(outage.late);
      expect(report.latency_ms.max).toBeGreaterThan(report.latency_ms.p50!);
      for (const ext of ['json', 'gp', 'dat', 'svg']) expect(existsSync(`${base}.${ext}`)).toBe(true);
      expect(JSON.parse(readFileSync(`${base}.json`, 'utf8')).outages[0].late).toBe(outage.late);
    });
  });
});

describe('compare option errors', () => {
  const fixtures = join(import.meta.dirname, '../../fixtures/compare');
  const inputs = { sent: join(fixtures, 'sent.csv'), received: [join(fixtures, 'trace-a.csv')] };
  it.each([
    [{ formats: ['pdf'] }, 'E_USAGE', 'formats', 'formats: unknown output "pdf" (known: svg, png, gp, vl, vg, html, json)', '--format: unknown output "pdf" (known: svg, png, gp, vl, vg, html, json)'],
    [{ expect: 'value +' }, 'E_USAGE', 'expect', 'expect: unexpected end of expression at column 8 of "value +"', '--expect: unexpected end of expression at column 8 of "value +"'],
    [{ received: [] }, 'E_USAGE', 'received', 'received: give at least one file', '--received: give at least one file'],
    // Valid syntax, but no number for a message: an input problem, still about the option.
    [{ expect: 'sensor' }, 'E_INPUT', 'expect', 'expect: for message seq 1: "sensor" gave text "hdd0", not a finite number', '--expect: for message seq 1: "sensor" gave text "hdd0", not a finite number'],
  ] as const)('%j: %s naming the option %s', async (options, code, option, message, shown) => {
    const error = await compare({ ...inputs, ...options } as CompareOptions).catch((e: unknown) => e);
    expect(error).toMatchObject({ code, option, message });
    expect(messageForCli(error as Parameters<typeof messageForCli>[0])).toBe(shown);
  });
});
