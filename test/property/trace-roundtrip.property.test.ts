import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { trace } from '../../src/app/trace/trace.js';
import { topicProblem } from '../../src/core/mqtt/topic-template.js';
import { readReceived } from '../../src/io/logs/trace-reader.js';
import { readTrace } from '../app/trace/helpers.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';

/**
 * Generated topics (any valid topic name: unicode, empty levels, spaces, quotes, commas,
 * formula starts) and payloads (any bytes) go through a real broker into trace's CSV, and come
 * back identical through the test reader and compare's reader (readReceived).
 */
describe.runIf(mosquittoAvailable)('property: any payload and any valid topic round-trip through trace', () => {
  it('topic and payload bytes survive broker → trace CSV → readers', async () => {
    const tag = randomBytes(3).toString('hex');
    const level = fc.string({ unit: 'grapheme', maxLength: 8 });
    const topic = fc
      .array(fc.oneof(level, fc.constantFrom('', ' ', '=1+2', '"q"', 'a,b', "'x", 'base64:', '\t', '€')), { minLength: 1, maxLength: 4 })
      .map((levels) => `rt/${tag}/${levels.join('/')}`)
      .filter((t) => topicProblem(t) === undefined);
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s)),
      fc.constantFrom(Buffer.alloc(0), Buffer.from('base64:AAAA'), Buffer.from('=cmd|"/c calc"!A1'), Buffer.from('a,"b"\r\nc')),
    );
    const messages = fc.sample(fc.tuple(topic, payload), { numRuns: 150, seed: 7 });

    await withMosquitto(
      async (broker) => {
        const output = join(tempDir(), 'trace.csv');
        let ready!: () => void;
        const subscribed = new Promise<void>((resolve) => (ready = resolve));
        const tracing = trace({ filters: [`rt/${tag}/#`], qos: 1, output, count: messages.length, durationMs: 20_000, onReady: () => ready(), connection: { host: broker.host, port: broker.port } });
        await Promise.race([subscribed, tracing]);
        const pub = await mqtt.connectAsync(broker.url);
        // QoS 1 from one client: the broker keeps their order.
        for (const [t, p] of messages) await pub.publishAsync(t, p, { qos: 1 });
        await pub.endAsync();
        const summary = await tracing;
        expect(summary.stoppedBy).toBe('count');

        const records = await readTrace(output);
        expect(records.map((r) => r.topic)).toEqual(messages.map(([t]) => t));
        records.forEach((r, i) => expect(r.payload.equals(messages[i]![1]), `payload ${i}`).toBe(true));
        // compare's reader must see the same topics (a topic may begin or end with a space).
        const { arrivals } = await readReceived(output);
        const altered = arrivals.map((a, i) => [a.topic, messages[i]![0]] as const).filter(([got, sent]) => got !== sent);
        expect(altered, 'readReceived changed these topics (got, sent)').toEqual([]);
      },
      { persistence: false },
    );
  });
});
