import { describe, expect, it } from 'vitest';
import { AbsenceTimer } from '../../../src/app/process/absence-timer.js';
import { RuleEngine, type Emission, type PublishEmission } from '../../../src/core/rules/engine.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const SILENT = `
name: silent
rules:
  - name: silent
    events: { r: s/+ }
    pattern: r not followed by r
    within: 1s
    by: sensor
    do: { publish: { topic: "alert/{sensor}", payload: "{r.value}", qos: 1 } }
`;

const NO_ABSENCE = `
name: plain
rules:
  - name: copy
    on: s/+
    do: { publish: { topic: "out/{sensor}", payload: "{value}" } }
`;

function setUp(yaml = SILENT) {
  const clock = new FakeClock();
  const t0 = clock.now();
  const ruleSet = parseRules(yaml, 'rules.yaml');
  const engine = new RuleEngine(ruleSet);
  const fired: Array<{ at: number; topics: string[] }> = [];
  let stopping = false;
  const timer = new AbsenceTimer(engine, ruleSet, clock, (emissions: Emission[]) => fired.push({ at: clock.now() - t0, topics: emissions.map((e) => (e as PublishEmission).topic) }), () => stopping);
  /** A message arriving now, as the message flow hands it on. */
  const arrive = (topic: string, value: number): void => {
    engine.handle({ topic, payload: String(value), at: clock.now() });
    timer.schedule(clock.now());
  };
  return { clock, t0, timer, fired, arrive, stop: () => (stopping = true) };
}

describe('AbsenceTimer', () => {
  it('fires 1 ms after the window of a reading not followed by another', async () => {
    const { clock, t0, fired, arrive } = setUp();
    arrive('s/a', 1);
    expect(clock.nextAt).toBe(t0 + 1001);
    await clock.advanceTo(t0 + 1000);
    expect(fired).toEqual([]);
    await clock.advanceTo(t0 + 1001);
    expect(fired).toEqual([{ at: 1001, topics: ['alert/a'] }]);
    expect(clock.pending).toBe(0);
  });

  it('keeps the timer when a new reading cannot make anything due sooner, and re-arms after a deadline that moved', async () => {
    const { clock, t0, fired, arrive } = setUp();
    arrive('s/a', 1);
    await clock.advanceTo(t0 + 500);
    arrive('s/a', 2); // a's wait now ends at 1500: the timer at 1001 stands
    expect(clock.pending).toBe(1);
    expect(clock.nextAt).toBe(t0 + 1001);
    await clock.advanceTo(t0 + 1001);
    expect(fired).toEqual([{ at: 1001, topics: [] }]);
    expect(clock.nextAt).toBe(t0 + 1501);
    await clock.advanceTo(t0 + 2000);
    expect(fired).toEqual([{ at: 1001, topics: [] }, { at: 1501, topics: ['alert/a'] }]);
  });

  it('per partition: each sensor\'s silence fires at its own deadline', async () => {
    const { clock, t0, fired, arrive } = setUp();
    arrive('s/a', 1);
    await clock.advanceTo(t0 + 300);
    arrive('s/b', 1);
    await clock.runAll();
    expect(fired).toEqual([
      { at: 1001, topics: ['alert/a'] },
      { at: 1301, topics: ['alert/b'] },
    ]);
  });

  it('sets no timer without absence rules, nor once the processor stops; stop() cancels a pending one', async () => {
    const plain = setUp(NO_ABSENCE);
    plain.arrive('s/a', 1);
    expect(plain.clock.pending).toBe(0);

    const stopping = setUp();
    stopping.stop();
    stopping.arrive('s/a', 1);
    expect(stopping.clock.pending).toBe(0);

    const cancelled = setUp();
    cancelled.arrive('s/a', 1);
    cancelled.timer.stop();
    expect(cancelled.clock.pending).toBe(0);
    await cancelled.clock.advanceBy(5000);
    expect(cancelled.fired).toEqual([]);
  });
});
