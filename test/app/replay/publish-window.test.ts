import { describe, expect, it } from 'vitest';
import type { Qos, SentRecord } from '../../../src/core/records.js';
import { PublishWindow } from '../../../src/app/replay/publish-window.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakePublisher } from './fake-publisher.js';

const record = (seq: number, qos: Qos): SentRecord => ({ seq, sensor: 's', topic: 't', qos, retain: false, profileTime: seq, value: seq, plannedAt: 0, payload: String(seq) });

function setUp(qos: Qos, options: { maxInflight?: number; queueQos0?: boolean; logWorks?: boolean } = {}) {
  const clock = new FakeClock(0);
  const publisher = new FakePublisher(clock);
  const final: SentRecord[] = [];
  const calls: string[] = [];
  const window = new PublishWindow(publisher, {
    qos,
    maxInflight: options.maxInflight ?? 3,
    queueQos0: options.queueQos0 ?? false,
    clock,
    beforeHandOver: (seq) => {
      calls.push(`hand-over ${seq} (published ${publisher.sends.length})`);
      return options.logWorks ?? true;
    },
    onFinal: (r) => final.push(r),
  });
  const send = (seq: number): void => window.publish(record(seq, qos), clock.now());
  return { clock, publisher, window, final, calls, send };
}

describe('PublishWindow at QoS 1/2', () => {
  it('fills up to maxInflight, makes room per acknowledgment, and counts', async () => {
    const { clock, publisher, window, final, calls, send } = setUp(1);
    [1, 2, 3].forEach(send);
    expect(window.full).toBe(true);
    // One synchronous run of publishes is handed over together, once the loop yields: one mark for all three.
    expect(publisher.sends).toHaveLength(0);
    await Promise.resolve();
    expect(calls).toEqual(['hand-over 3 (published 0)']);
    expect(publisher.sends.map((s) => s.record.seq)).toEqual([1, 2, 3]);
    await clock.advanceTo(40);
    publisher.ack(2);
    expect(window.full).toBe(false);
    expect(final.map((r) => [r.seq, r.ackedAt, r.publishedAt])).toEqual([[2, 40, 0]]);
    expect({ sent: window.sent, published: window.published, acknowledged: window.acknowledged, queued: window.queued, inFlight: window.inFlight }).toEqual({ sent: 3, published: 1, acknowledged: 1, queued: 2, inFlight: 2 });
    expect(window.outstanding().map((r) => r.seq)).toEqual([1, 3]);
    send(4);
    await Promise.resolve();
    expect(calls.at(-1)).toBe('hand-over 4 (published 3)');
  });

  it('a log that cannot be written before the hand-over keeps the messages from the client: they stay outstanding', async () => {
    const { publisher, window, calls, send } = setUp(2, { logWorks: false });
    send(1);
    send(2);
    await Promise.resolve();
    expect(calls).toEqual(['hand-over 2 (published 0)']);
    expect(publisher.sends).toHaveLength(0);
    expect(window.outstanding().map((r) => r.seq)).toEqual([1, 2]);
  });

  it('a resend after a reconnect moves published_at to it; an error (client ended) leaves the message queued', async () => {
    const { clock, publisher, window, final, send } = setUp(2);
    send(1);
    send(2);
    await Promise.resolve();
    publisher.drop();
    await clock.advanceTo(500);
    publisher.reconnect([1, 2]);
    await clock.advanceTo(520);
    publisher.ack(1);
    publisher.sends[1]!.done(new Error('client disconnecting'));
    expect(final.map((r) => [r.seq, r.publishedAt, r.ackedAt])).toEqual([[1, 500, 520]]);
    expect(window.queued).toBe(1);
  });
});

describe('PublishWindow at QoS 0', () => {
  it('published once written; while the broker is away dropped (final without published_at)', async () => {
    const { clock, publisher, window, final, send } = setUp(0);
    send(1);
    await clock.advanceTo(1);
    publisher.drop();
    send(2);
    expect(final.map((r) => [r.seq, r.publishedAt])).toEqual([[1, 0], [2, undefined]]);
    expect({ published: window.published, dropped: window.dropped, queued: window.queued }).toEqual({ published: 1, dropped: 1, queued: 0 });
  });

  it('with queueQos0, kept while away and sent when the connection is back', async () => {
    const { clock, publisher, window, final, send } = setUp(0, { queueQos0: true });
    publisher.drop();
    send(1);
    send(2);
    expect(window.queued).toBe(2);
    expect(publisher.sends).toHaveLength(0);
    await clock.advanceTo(300);
    publisher.reconnect();
    await clock.advanceTo(301);
    expect(publisher.sends.map((s) => [s.record.seq, s.sentAt])).toEqual([[1, 300], [2, 300]]);
    expect(final.map((r) => r.seq)).toEqual([1, 2]);
    expect({ published: window.published, dropped: window.dropped, queued: window.queued }).toEqual({ published: 2, dropped: 0, queued: 0 });
  });

  it('messages stranded in the client when the socket dies count as dropped and free the window', async () => {
    const { clock, publisher, window, final, send } = setUp(0, { maxInflight: 2 });
    publisher.stallQos0 = true;
    send(1);
    send(2);
    expect(window.full).toBe(true);
    publisher.drop();
    expect(window.full).toBe(false);
    expect({ dropped: window.dropped, inFlight: window.inFlight }).toEqual({ dropped: 2, inFlight: 0 });
    // A late callback for a message already counted changes nothing.
    publisher.sends[0]!.done();
    await clock.advanceTo(1);
    expect(window.published).toBe(0);
    expect(final.map((r) => r.seq)).toEqual([1, 2]);
  });

  it('detach() stops following the connection', () => {
    const { publisher, window, send } = setUp(0, { queueQos0: true });
    publisher.drop();
    send(1);
    window.detach();
    publisher.reconnect();
    expect(publisher.sends).toHaveLength(0);
  });
});
