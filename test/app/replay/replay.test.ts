import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { replay, type ReplayOptions } from '../../../src/app/replay/replay.js';
import { CsvParser } from '../../../src/core/csv/csv.js';
import { generateProfileLines, type GenerateProfileOptions } from '../../../src/core/profile/generate.js';
import { SENT_COLUMNS, EVENT_COLUMNS } from '../../../src/core/records.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { brokerKinds, mosquittoAvailable, tempDir, withBroker, withMosquitto } from '../../helpers/brokers.js';

const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/profiles', name);

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  userProperties?: Record<string, string | string[]>;
}

/** An independent subscriber: a plain MQTT.js client, nothing from sensortrace. */
async function subscribe(url: string, filter: string, protocolVersion: 4 | 5 = 4) {
  const client: MqttClient = await mqtt.connectAsync(url, { protocolVersion, clean: true, reconnectPeriod: 0 });
  const messages: Received[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  client.on('message', (topic, payload, packet: IPublishPacket) => {
    const m: Received = { topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain };
    if (packet.properties?.userProperties) m.userProperties = packet.properties.userProperties;
    messages.push(m);
    if (waiter && messages.length >= waiter.count) waiter.resolve();
  });
  await client.subscribeAsync(filter, { qos: 2 });
  return {
    messages,
    /** Resolves once `count` messages are in; the timeout only turns a hang into a failure. */
    waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      if (messages.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`subscriber got ${messages.length} of ${count} messages`)), timeoutMs);
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    end: () => client.endAsync(),
  };
}

function profileFile(options: Partial<GenerateProfileOptions> = {}): string {
  const path = join(tempDir(), 'profile.csv');
  const lines = generateProfileLines({
    pattern: 'ramp',
    sensors: ['hdd0', 'hdd1'],
    rateHz: 1,
    durationMs: 20_000,
    startMs: 1_266_193_804_000,
    shape: 'wide',
    timeFormat: 'epoch-s',
    delimiter: ',',
    noise: 0.3,
    ...options,
  });
  writeFileSync(path, [...lines].join(''));
  return path;
}

function parseCsvText(text: string): string[][] {
  return new CsvParser().feed(text).map((r) => r.cells);
}

function readSentLog(path: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsvText(readFileSync(path, 'utf8'));
  expect(header).toEqual([...SENT_COLUMNS]);
  return rows.map((cells) => Object.fromEntries(header!.map((h, i) => [h, cells[i] ?? ''])));
}

function base(broker: { host: string; port: number }, extra: Partial<ReplayOptions>): ReplayOptions {
  return { profile: fixture('single.csv'), pacing: { mode: 'max' }, qos: 0, connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100 }, ...extra };
}

describe.each(brokerKinds)('replay against %s', (kind) => {
  it('delivers every reading with its topic, payload and QoS, and logs each one', async () => {
    await withBroker(kind, async (broker) => {
      const sub = await subscribe(broker.url, 'sensors/#');
      const log = join(tempDir(), 'out', 'sent.csv');
      const profile = profileFile();
      try {
        const summary = await replay(base(broker, { profile, topic: 'sensors/pc1/temperature/{sensor}', qos: 1, pacing: { mode: 'speed', factor: 100 }, payloadFormat: 'json', log }));
        expect(summary).toMatchObject({ sent: 40, published: 40, acknowledged: 40, queued: 0, dropped: 0, reconnects: 0, stoppedBy: 'end' });
        await sub.waitFor(40);
        const rows = readSentLog(log);
        expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        for (const row of rows) {
          expect(row.topic).toBe(`sensors/pc1/temperature/${row.sensor}`);
          expect(Number(row.published_at)).toBeGreaterThanOrEqual(Number(row.planned_at) - 0.001);
          expect(Number(row.acked_at)).toBeGreaterThanOrEqual(Number(row.published_at));
          expect(JSON.parse(row.payload!)).toMatchObject({ seq: Number(row.seq), sensor: row.sensor, value: Number(row.value), time: Number(row.profile_time) });
        }
        // What the subscriber saw is exactly what the log says was sent, in order per topic.
        expect(sub.messages.map((m) => [m.topic, m.payload, m.qos])).toEqual(rows.map((r) => [r.topic, r.payload, 1]));
        expect(readFileSync(summary.events!, 'utf8').split('\n')[0]).toBe(EVENT_COLUMNS.join(','));
      } finally {
        await sub.end();
      }
    });
  });

  it('publishes retained when asked: a later subscriber gets the last reading per topic', async () => {
    await withBroker(kind, async (broker) => {
      const summary = await replay(base(broker, { profile: fixture('long.csv'), topic: 'sensors/{sensor}', retain: true, payloadFormat: 'value' }));
      expect(summary.published).toBe(4);
      const late = await subscribe(broker.url, 'sensors/#');
      try {
        await late.waitFor(2);
        expect(late.messages.map((m) => [m.topic, m.payload, m.retain]).sort()).toEqual([
          ['sensors/a', '3', true],
          ['sensors/b', '4', true],
        ]);
      } finally {
        await late.end();
      }
    });
  });

  it('holds the pace: sends planned on absolute offsets, sent close to plan', async () => {
    await withBroker(kind, async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      const summary = await replay(base(broker, { profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 200, durationMs: 500 }), topic: 't/{sensor}', pacing: { mode: 'profile' }, log }));
      expect(summary.sent).toBe(100);
      const planned = readSentLog(log).map((r) => Number(r.planned_at));
      planned.slice(1).forEach((at, i) => expect(at - planned[i]!).toBeCloseTo(5, 2));
      expect(summary.durationMs).toBeGreaterThanOrEqual(495);
      // Generous: a loaded 2-core machine; `npm run bench` holds the real target.
      expect(summary.pacingErrorMs.p50).toBeLessThan(5);
    });
  });
});

describe('replay: before anything is published', () => {
  it('rejects a bad profile before connecting (nothing listens, yet the error is the input)', async () => {
    const port = await freePort();
    const bad = fixture('bad-value.csv');
    await expect(replay(base({ host: '127.0.0.1', port }, { profile: bad, topic: 't' }))).rejects.toMatchObject({ code: 'E_INPUT', exitCode: 2, message: `${bad}:3: value: value is not a number (found "warm")` });
  });

  it('needs a topic unless the profile names topics', async () => {
    const port = await freePort();
    const missing = replay(base({ host: '127.0.0.1', port }, {}));
    await expect(missing).rejects.toMatchObject({ code: 'E_USAGE', option: 'topic' });
    await expect(missing).rejects.toThrow(/^topic: required \(the profile has no topic column\)$/);
  });

  it('a signal during validation ends the run before connecting', async () => {
    const port = await freePort();
    const controller = new AbortController();
    controller.abort();
    const summary = await replay(base({ host: '127.0.0.1', port }, { topic: 't', signal: controller.signal }));
    expect(summary).toMatchObject({ sent: 0, stoppedBy: 'signal', profile: { stopped: true } });
  });

  it('fails with E_UNREACHABLE (exit 3) when no broker answers', async () => {
    const port = await freePort();
    await expect(replay(base({ host: '127.0.0.1', port }, { topic: 't', connection: { host: '127.0.0.1', port, connectTimeoutMs: 400, reconnectPeriodMs: 100 } }))).rejects.toMatchObject({
      code: 'E_UNREACHABLE',
      exitCode: 3,
    });
  });
});

describe('replay: passes, order and stopping (aedes)', () => {
  it('loops with seq and profile time moving on', async () => {
    await withBroker('aedes', async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      const summary = await replay(base(broker, { profile: fixture('single.csv'), topic: 't', loop: 2, log }));
      expect(summary.sent).toBe(6);
      const rows = readSentLog(log);
      expect(rows.map((r) => Number(r.profile_time) - 1_700_000_000_000)).toEqual([0, 1000, 2500, 3750, 4750, 6250]);
    });
  });

  it('anchors relative profiles at the start, and --shift-to-now moves absolute ones to now', async () => {
    await withBroker('aedes', async (broker) => {
      const log = join(tempDir(), 'rel.csv');
      await replay(base(broker, { profile: fixture('wide-tab.tsv'), topic: 't/{sensor}', pacing: { mode: 'speed', factor: 10 }, log }));
      const rel = readSentLog(log).map((r) => [Number(r.profile_time), Number(r.planned_at)] as const);
      expect(rel[0]![0]).toBeCloseTo(rel[0]![1], 6);
      expect(rel[5]![0] - rel[0]![0]).toBeCloseTo(1000, 6);
      expect(rel[5]![1] - rel[0]![1]).toBeCloseTo(100, 6);
      await replay(base(broker, { profile: fixture('single.csv'), topic: 't', shiftToNow: true, pacing: { mode: 'speed', factor: 10 }, log }));
      const shifted = readSentLog(log).map((r) => [Number(r.profile_time), Number(r.planned_at)] as const);
      expect(shifted[0]![0]).toBeCloseTo(shifted[0]![1], 6);
      expect(shifted[2]![0] - shifted[0]![0]).toBeCloseTo(2500, 6);
    });
  });

  it('publishes a profile whose sensors are grouped in time order', async () => {
    await withBroker('aedes', async (broker) => {
      const sub = await subscribe(broker.url, 's/#');
      try {
        await replay(base(broker, { profile: fixture('grouped.csv'), topic: 's/{sensor}', payloadFormat: 'value', pacing: { mode: 'speed', factor: 50 } }));
        await sub.waitFor(6);
        expect(sub.messages.map((m) => `${m.topic}=${m.payload}`)).toEqual(['s/a=1', 's/b=10', 's/a=2', 's/b=20', 's/a=3', 's/b=30']);
      } finally {
        await sub.end();
      }
    });
  });

  it('stops cleanly on abort: summary returned, log flushed and closed', async () => {
    await withBroker('aedes', async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      const controller = new AbortController();
      const summary = await replay(
        base(broker, {
          profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 1, durationMs: 600_000 }),
          topic: 't',
          qos: 1,
          pacing: { mode: 'speed', factor: 20 },
          log,
          signal: controller.signal,
          onProgress: (p) => {
            if (p.acknowledged >= 3) controller.abort();
          },
        }),
      );
      expect(summary.stoppedBy).toBe('signal');
      expect(summary.sent).toBeGreaterThanOrEqual(3);
      expect(summary.sent).toBeLessThan(600);
      expect(readSentLog(log)).toHaveLength(summary.sent);
    });
  });
});

describe.skipIf(!mosquittoAvailable)('replay against a real Mosquitto', () => {
  it('QoS 2 --max into a default Mosquitto delivers everything (flow control)', async () => {
    await withMosquitto(async (broker) => {
      const sub = await subscribe(broker.url, 'load/#');
      try {
        const profile = profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 15_000 });
        const summary = await replay(base(broker, { profile, topic: 'load/{sensor}', qos: 2, payloadFormat: 'json' }));
        expect(summary).toMatchObject({ sent: 1500, acknowledged: 1500, queued: 0, maxInflight: 20 });
        await sub.waitFor(1500);
        expect(new Set(sub.messages.map((m) => JSON.parse(m.payload).seq as number)).size).toBe(1500);
      } finally {
        await sub.end();
      }
    });
  });

  it('QoS 1 --max into a default Mosquitto keeps 100 in flight (MQTT 3.1.1) and delivers everything in order', async () => {
    await withMosquitto(async (broker) => {
      const sub = await subscribe(broker.url, 'q1/#');
      try {
        // 1000 messages: never more than a default Mosquitto queues for the subscriber (max_queued_messages 1000), whatever its pace.
        const profile = profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 10_000 });
        const summary = await replay(base(broker, { profile, topic: 'q1/{sensor}', qos: 1, payloadFormat: 'json' }));
        expect(summary).toMatchObject({ sent: 1000, acknowledged: 1000, queued: 0, reconnects: 0, maxInflight: 100 });
        await sub.waitFor(1000);
        expect(sub.messages.map((m) => JSON.parse(m.payload).seq as number)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      } finally {
        await sub.end();
      }
    });
  });

  it('MQTT 5: seq, sensor, time and sent_at travel as user properties', async () => {
    await withMosquitto(async (broker) => {
      const sub = await subscribe(broker.url, 'v5/#', 5);
      try {
        const summary = await replay(base(broker, { profile: fixture('long.csv'), topic: 'v5/{sensor}', qos: 1, payloadFormat: 'value', connection: { host: broker.host, port: broker.port, protocolVersion: 5 } }));
        expect(summary.acknowledged).toBe(4);
        await sub.waitFor(4);
        expect(sub.messages[3]).toMatchObject({ topic: 'v5/b', payload: '4', userProperties: { seq: '4', sensor: 'b', time: '1700000001000' } });
        expect(Number(sub.messages[3]!.userProperties!.sent_at)).toBeGreaterThan(1.7e12);
      } finally {
        await sub.end();
      }
    });
  });

  it('a broker restart mid-run at QoS 1 loses nothing from the replayer side', async () => {
    await withMosquitto(async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      let restart: Promise<void> | undefined;
      const summary = await replay(
        base(broker, {
          profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 2000 }),
          topic: 'r/{sensor}',
          qos: 1,
          pacing: { mode: 'profile' },
          log,
          onProgress: (p) => {
            if (!restart && p.acknowledged >= 50) restart = broker.restart('graceful', 300);
          },
        }),
      );
      await restart;
      expect(restart).toBeDefined();
      expect(summary).toMatchObject({ sent: 200, acknowledged: 200, published: 200, queued: 0 });
      expect(summary.reconnects).toBeGreaterThanOrEqual(1);
      const rows = readSentLog(log);
      expect(rows).toHaveLength(200);
      expect(rows.every((r) => r.acked_at !== '' && r.published_at !== '')).toBe(true);
      const events = readFileSync(summary.events!, 'utf8');
      expect(events).toMatch(/,replay,offline,/);
      expect(events.match(/,replay,connect,/g)?.length).toBeGreaterThanOrEqual(2);
    });
  });

  it('QoS 0 during an outage: dropped and logged without published_at, or kept with queueQos0', async () => {
    await withMosquitto(async (broker) => {
      const run = async (queueQos0: boolean) => {
        let restart: Promise<void> | undefined;
        const log = join(tempDir(), 'sent.csv');
        const summary = await replay(
          base(broker, {
            profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 1200 }),
            topic: 'q/{sensor}',
            pacing: { mode: 'profile' },
            queueQos0,
            log,
            onProgress: (p) => {
              if (!restart && p.published >= 30) restart = broker.restart('graceful', 300);
            },
          }),
        );
        await restart;
        return { summary, rows: readSentLog(log) };
      };
      const dropping = await run(false);
      expect(dropping.summary.dropped).toBeGreaterThan(0);
      expect(dropping.summary.published + dropping.summary.dropped).toBe(120);
      expect(dropping.rows.filter((r) => r.published_at === '')).toHaveLength(dropping.summary.dropped);
      const keeping = await run(true);
      expect(keeping.summary).toMatchObject({ published: 120, dropped: 0, queued: 0 });
    });
  });

  it('a broker gone for good: QoS 1 messages stay queued (never counted published) and Ctrl+C still ends cleanly', async () => {
    await withMosquitto(async (broker) => {
      const log = join(tempDir(), 'sent.csv');
      const controller = new AbortController();
      let stop: Promise<void> | undefined;
      const summary = await replay(
        base(broker, {
          profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 5000 }),
          topic: 'g/{sensor}',
          qos: 1,
          pacing: { mode: 'profile' },
          log,
          signal: controller.signal,
          onProgress: (p) => {
            if (!stop && p.acknowledged >= 20) stop = broker.stop('graceful');
            if (stop && !p.connected && p.queued >= 5) controller.abort();
          },
        }),
      );
      await stop;
      expect(summary.stoppedBy).toBe('signal');
      expect(summary.queued).toBeGreaterThanOrEqual(5);
      expect(summary.published).toBe(summary.acknowledged);
      expect(summary.sent).toBe(summary.acknowledged + summary.queued);
      const rows = readSentLog(log);
      expect(rows).toHaveLength(summary.sent);
      expect(rows.filter((r) => r.acked_at === '')).toHaveLength(summary.queued);
      expect(readFileSync(summary.events!, 'utf8')).toMatch(/,replay,offline,/);
    });
  });

  it('a broker gone for good at QoS 0: the run still ends on schedule, the rest counted as dropped', async () => {
    await withMosquitto(async (broker) => {
      let stop: Promise<void> | undefined;
      const summary = await replay(
        base(broker, {
          profile: profileFile({ sensors: ['s'], shape: 'single', rateHz: 100, durationMs: 1000 }),
          topic: 'g/{sensor}',
          pacing: { mode: 'profile' },
          onProgress: (p) => {
            if (!stop && p.published >= 20) stop = broker.stop('graceful');
          },
        }),
      );
      await stop;
      expect(summary).toMatchObject({ sent: 100, queued: 0, stoppedBy: 'end' });
      expect(summary.dropped).toBeGreaterThan(0);
      expect(summary.published + summary.dropped).toBe(100);
    });
  });
});
