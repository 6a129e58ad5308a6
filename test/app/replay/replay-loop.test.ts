import { describe, expect, it } from 'vitest';
import { compileTopicTemplate } from '../../../src/core/mqtt/topic-template.js';
import type { Qos } from '../../../src/core/records.js';
import { PacingStats } from '../../../src/core/schedule/pacing-stats.js';
import type { Pacing } from '../../../src/core/schedule/schedule.js';
import { drain } from '../../../src/app/replay/drain.js';
import { LoopControl } from '../../../src/app/replay/loop-control.js';
import { sendPaced } from '../../../src/app/replay/pacing-loop.js';
import { PassCursor } from '../../../src/app/replay/pass-cursor.js';
import { PublishWindow } from '../../../src/app/replay/publish-window.js';
import { SentRecords } from '../../../src/app/replay/sent-records.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakePublisher } from './fake-publisher.js';

interface LoopSetup {
  qos: Qos;
  pacing: Pacing;
  /** Profile times (ms, relative) of the rows. */
  times: number[];
  maxInflight?: number;
  queueQos0?: boolean;
  drainTimeoutMs?: number;
}

/** The replay loop (pacing loop, then drain) over a fake clock and a fake publisher. */
function replayLoop(setup: LoopSetup) {
  const clock = new FakeClock(0);
  const publisher = new FakePublisher(clock);
  const control = new LoopControl(clock);
  const window = new PublishWindow(publisher, { qos: setup.qos, maxInflight: setup.maxInflight ?? 20, queueQos0: setup.queueQos0 ?? false, clock, onFinal: () => control.wakeUp() });
  const rows = setup.times.map((time, i) => ({ line: i + 2, sensor: 's', time, value: i }));
  const cursor = new PassCursor(() => [rows], 1, () => control.stopped);
  const records = new SentRecords({ template: compileTopicTemplate('t/{sensor}'), qos: setup.qos, retain: false, payloadFormat: 'plain', loopPeriodMs: 1000, relative: true });
  const pacing = new PacingStats();
  const startAt = 1;
  let endedAt: number | undefined;
  const run = (async () => {
    const first = { item: cursor.take() ?? (await cursor.next()), index: 0 };
    const route = { window, pacing, number: undefined };
    await sendPaced({ clock, control, route: () => route, records, schedule: { pacing: setup.pacing, firstTime: 0, loopPeriodMs: 1000 } }, cursor, first, { startAt, shiftMs: 0 });
    await drain(clock, control, window, setup.drainTimeoutMs ?? 10_000);
    endedAt = clock.now();
  })();
  return {
    clock,
    publisher,
    control,
    window,
    pacing,
    run,
    /** When the loop (with its drain) ended; undefined while it runs. */
    get endedAt() {
      return endedAt;
    },
    /** [seq, clock time of the send] so far. */
    sendTimes: () => publisher.sends.map((s) => [s.record.seq, s.at]),
  };
}

describe('replay loop (fake clock): pacing', () => {
  it('sends each reading at the start time plus its planned offset, naps included', async () => {
    const loop = replayLoop({ qos: 0, pacing: { mode: 'profile' }, times: [0, 5, 10, 1000, 3500] });
    await loop.clock.advanceTo(1000);
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 6], [3, 11]]);
    await loop.clock.advanceTo(3500);
    expect(loop.sendTimes()).toHaveLength(4);
    await loop.clock.advanceTo(3501);
    await loop.run;
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 6], [3, 11], [4, 1001], [5, 3501]]);
    expect(loop.publisher.sends.map((s) => [s.record.plannedAt, s.sentAt, s.record.payload])).toEqual([
      [1, 1, '0.001 0'],
      [6, 6, '0.006 1'],
      [11, 11, '0.011 2'],
      [1001, 1001, '1.001 3'],
      [3501, 3501, '3.501 4'],
    ]);
    expect(loop.pacing.percentiles()).toEqual({ p50: 0, p99: 0, max: 0 });
    expect(loop.endedAt).toBe(3501);
  });

  it('--speed and --rate plan on absolute offsets; --max sends as soon as the window has room', async () => {
    const speed = replayLoop({ qos: 0, pacing: { mode: 'speed', factor: 10 }, times: [0, 1000, 2500] });
    await speed.clock.runAll();
    await speed.run;
    expect(speed.sendTimes()).toEqual([[1, 1], [2, 101], [3, 251]]);
    const rate = replayLoop({ qos: 0, pacing: { mode: 'rate', hz: 4 }, times: [0, 0, 0, 9000] });
    await rate.clock.runAll();
    await rate.run;
    expect(rate.sendTimes()).toEqual([[1, 1], [2, 251], [3, 501], [4, 751]]);
    const max = replayLoop({ qos: 0, pacing: { mode: 'max' }, times: [0, 60_000, 120_000] });
    await max.clock.advanceTo(0);
    await max.run;
    expect(max.sendTimes()).toEqual([[1, 0], [2, 0], [3, 0]]);
  });

  it('a stop during a long gap ends the loop at once, without the drain', async () => {
    const loop = replayLoop({ qos: 1, pacing: { mode: 'profile' }, times: [0, 60_000] });
    await loop.clock.advanceTo(5000);
    loop.control.stop();
    await loop.clock.advanceTo(5001);
    await loop.run;
    expect(loop.endedAt).toBe(5000);
    expect(loop.sendTimes()).toEqual([[1, 1]]);
  });
});

describe('replay loop (fake clock): the broker goes away', () => {
  it('QoS 1: the full in-flight window pauses the loop; after the reconnect the late readings go at once', async () => {
    const loop = replayLoop({ qos: 1, pacing: { mode: 'rate', hz: 10 }, times: [0, 0, 0, 0, 0, 0], maxInflight: 2 });
    await loop.clock.advanceTo(150);
    loop.publisher.drop();
    await loop.clock.advanceTo(1000);
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 101]]);
    expect(loop.window.full).toBe(true);
    loop.publisher.reconnect([1, 2]);
    loop.publisher.ack(1);
    loop.publisher.ack(2);
    await loop.clock.advanceTo(1000);
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 101], [3, 1000], [4, 1000]]);
    await loop.clock.advanceTo(1010);
    loop.publisher.ack(3);
    loop.publisher.ack(4);
    await loop.clock.advanceTo(1020);
    loop.publisher.ack(5);
    loop.publisher.ack(6);
    await loop.clock.advanceTo(1030);
    await loop.run;
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 101], [3, 1000], [4, 1000], [5, 1010], [6, 1010]]);
    // Lateness is measured against the plan (offset × 100 ms + 1), not the previous send.
    expect(loop.pacing.percentiles().max).toBe(1000 - 201);
    expect(loop.publisher.sends[0]!.record.publishedAt).toBe(1000);
    expect({ acknowledged: loop.window.acknowledged, queued: loop.window.queued }).toEqual({ acknowledged: 6, queued: 0 });
    expect(loop.endedAt).toBe(1020);
  });

  it('QoS 0: readings due while the broker is away are dropped, the rest keep their schedule', async () => {
    const loop = replayLoop({ qos: 0, pacing: { mode: 'rate', hz: 10 }, times: Array(10).fill(0) });
    await loop.clock.advanceTo(250);
    loop.publisher.drop();
    await loop.clock.advanceTo(650);
    loop.publisher.reconnect();
    await loop.clock.runAll();
    await loop.run;
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 101], [3, 201], [8, 701], [9, 801], [10, 901]]);
    expect({ sent: loop.window.sent, published: loop.window.published, dropped: loop.window.dropped, queued: loop.window.queued }).toEqual({ sent: 10, published: 6, dropped: 4, queued: 0 });
    expect(loop.pacing.percentiles().max).toBe(0);
  });

  it('QoS 0 with queueQos0: kept while away, sent on reconnect', async () => {
    const loop = replayLoop({ qos: 0, pacing: { mode: 'rate', hz: 10 }, times: Array(10).fill(0), queueQos0: true });
    await loop.clock.advanceTo(250);
    loop.publisher.drop();
    await loop.clock.advanceTo(650);
    expect(loop.window.queued).toBe(4);
    loop.publisher.reconnect();
    await loop.clock.runAll();
    await loop.run;
    expect(loop.sendTimes()).toEqual([[1, 1], [2, 101], [3, 201], [4, 650], [5, 650], [6, 650], [7, 650], [8, 701], [9, 801], [10, 901]]);
    expect({ published: loop.window.published, dropped: loop.window.dropped, queued: loop.window.queued }).toEqual({ published: 10, dropped: 0, queued: 0 });
  });
});

describe('replay loop (fake clock): drain', () => {
  it('waits for the outstanding acknowledgments and ends with the last one', async () => {
    const loop = replayLoop({ qos: 1, pacing: { mode: 'max' }, times: [0, 0, 0], drainTimeoutMs: 1000 });
    await loop.clock.advanceTo(250);
    loop.publisher.ack(1);
    loop.publisher.ack(3);
    await loop.clock.advanceTo(300);
    expect(loop.endedAt).toBeUndefined();
    loop.publisher.ack(2);
    await loop.clock.advanceTo(300);
    await loop.run;
    expect(loop.endedAt).toBe(300);
    expect(loop.window.inFlight).toBe(0);
  });

  it('gives up after drainTimeoutMs with the rest still in flight', async () => {
    const loop = replayLoop({ qos: 2, pacing: { mode: 'max' }, times: [0, 0], drainTimeoutMs: 1000 });
    await loop.clock.advanceTo(400);
    loop.publisher.ack(1);
    await loop.clock.advanceTo(999);
    expect(loop.endedAt).toBeUndefined();
    await loop.clock.advanceTo(1000);
    await loop.run;
    expect(loop.endedAt).toBe(1000);
    expect(loop.window.outstanding().map((r) => r.seq)).toEqual([2]);
  });
});
