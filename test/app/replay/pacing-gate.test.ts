import { describe, expect, it } from 'vitest';
import { ReplayGate } from '../../../src/app/experiment/replay-gate.js';
import { LoopControl } from '../../../src/app/replay/loop-control.js';
import { sendPaced } from '../../../src/app/replay/pacing-loop.js';
import { PassCursor } from '../../../src/app/replay/pass-cursor.js';
import { PublishWindow } from '../../../src/app/replay/publish-window.js';
import { SentRecords } from '../../../src/app/replay/sent-records.js';
import { compileTopicTemplate } from '../../../src/core/mqtt/topic-template.js';
import { PacingSplit } from '../../../src/core/schedule/pacing-stats.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakePublisher } from './fake-publisher.js';

/** The pacing loop over a fake clock and publisher (QoS 0, rows 100 ms apart from startAt 1000), with an experiment's gate. */
function gatedLoop(times: number[]) {
  const clock = new FakeClock(0);
  const publisher = new FakePublisher(clock);
  const control = new LoopControl(clock);
  const window = new PublishWindow(publisher, { qos: 0, maxInflight: 20, queueQos0: false, clock, onFinal: () => control.wakeUp() });
  const rows = times.map((time, i) => ({ line: i + 2, sensor: 's', time, value: i }));
  const cursor = new PassCursor(() => [rows], 1, () => control.stopped);
  const records = new SentRecords({ template: compileTopicTemplate('t/{sensor}'), qos: 0, retain: false, payloadFormat: 'plain', loopPeriodMs: 1000, relative: true });
  const pacing = new PacingSplit();
  const gate = new ReplayGate();
  const startAt = 1000;
  let ended = false;
  const run = (async () => {
    const first = { item: cursor.take() ?? (await cursor.next()), index: 0 };
    const route = { window, pacing, number: undefined };
    await sendPaced({ clock, control, route: () => route, records, schedule: { pacing: { mode: 'profile' }, firstTime: 0, loopPeriodMs: 1000 }, gate }, cursor, first, { startAt, shiftMs: 0 });
    ended = true;
  })();
  return {
    clock,
    control,
    gate,
    pacing,
    run,
    get ended() {
      return ended;
    },
    /** [seq, clock time of the send] so far. */
    sendTimes: () => publisher.sends.map((s) => [s.record.seq, s.at]),
  };
}

describe('pacing loop with a gate (fake clock)', () => {
  it('rows planned at or before the closed moment go, even late; later ones wait until it opens, then go at once', async () => {
    const loop = gatedLoop([0, 100, 200, 300, 400]);
    // Closed at 1200 (the row planned at 1200 included), before the loop reached it.
    loop.gate.close(1200);
    let reached = false;
    void loop.gate.reached(1200).then(() => (reached = true));
    // The process runs late: nothing happened until 1350, when the row planned at 1300 is due too.
    await loop.clock.advanceTo(1350);
    expect(loop.sendTimes()).toEqual([[1, 1000], [2, 1100], [3, 1200]]);
    expect(reached).toBe(true);
    expect(loop.gate.hasReached(1200)).toBe(true);
    // However long it stays closed, the row planned at 1300 waits.
    await loop.clock.advanceTo(5000);
    expect(loop.sendTimes()).toHaveLength(3);
    expect(loop.ended).toBe(false);
    loop.gate.open(1200);
    await loop.clock.advanceTo(5000);
    expect(loop.sendTimes()).toEqual([[1, 1000], [2, 1100], [3, 1200], [4, 5000], [5, 5000]]);
    await loop.run;
    expect(loop.ended).toBe(true);
    // The held rows waited out the experiment's outage: not pacing error while connected.
    expect(loop.pacing.connected.percentiles().max).toBe(0);
    expect(loop.pacing.outage.count).toBe(2);
    expect(loop.pacing.outage.percentiles().max).toBe(3700);
  });

  it('a row opened before its planned time still waits for it; two closed moments hold in turn', async () => {
    const loop = gatedLoop([0, 100, 200, 300]);
    loop.gate.close(1000);
    loop.gate.close(1200);
    await loop.clock.advanceTo(1050);
    expect(loop.sendTimes()).toEqual([[1, 1000]]);
    expect(loop.gate.hasReached(1000)).toBe(true);
    expect(loop.gate.hasReached(1200)).toBe(false);
    loop.gate.open(1000);
    await loop.clock.advanceTo(1250);
    // The row planned at 1100 goes at its time (not early); the one at 1300 waits for the second moment.
    expect(loop.sendTimes()).toEqual([[1, 1000], [2, 1100], [3, 1200]]);
    expect(loop.gate.hasReached(1200)).toBe(true);
    loop.gate.open(1200);
    await loop.clock.advanceTo(1400);
    await loop.run;
    expect(loop.sendTimes()).toEqual([[1, 1000], [2, 1100], [3, 1200], [4, 1300]]);
    expect(loop.pacing.outage.count).toBe(0);
  });

  it('reached() resolves when the loop ends before the moment; a stop ends a wait at the gate', async () => {
    const ending = gatedLoop([0, 100]);
    ending.gate.close(5000);
    await ending.clock.advanceTo(1200);
    await ending.run;
    await expect(ending.gate.reached(5000)).resolves.toBeUndefined();

    const stopped = gatedLoop([0, 100, 200]);
    stopped.gate.close(1000);
    await stopped.clock.advanceTo(1500);
    expect(stopped.sendTimes()).toEqual([[1, 1000]]);
    stopped.control.stop();
    await stopped.run;
    expect(stopped.sendTimes()).toEqual([[1, 1000]]);
  });
});
