import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleEngine, type PublishEmission } from '../../../src/core/rules/engine.js';
import { loadRules } from '../../../src/io/input/rules-loader.js';

/** The rules shipped in rules/, driven with made-up times (no broker, no waiting). */
const rulesDir = join(import.meta.dirname, '../../../rules');

async function engineFor(file: string): Promise<RuleEngine> {
  const loaded = await loadRules(join(rulesDir, file));
  return new RuleEngine(loaded.ruleSet, { tables: loaded.tables, onWarning: (m) => expect.fail(m) });
}

function publishes(e: RuleEngine, events: Array<[number, string, string, boolean?]>, until?: number): PublishEmission[] {
  const out = events.flatMap(([at, topic, payload, retain]) => e.handle({ topic, payload, at, retain: retain ?? false }));
  if (until !== undefined) out.push(...e.advance(until));
  return out.filter((x): x is PublishEmission => x.kind === 'publish');
}

describe('rules/overheat.yaml (hysteresis on a 3-reading average, limits per sensor)', () => {
  it('alerts once when hot, once when cooled, per sensor and with its own limits', async () => {
    const e = await engineFor('overheat.yaml');
    // hdd0: high 50, low 45. Averages: 40, 46, 50.67 (hot), 53, 49.67 (still hot: hysteresis), 46, 44.67 (ok)
    const hdd0 = [40, 52, 60, 47, 42, 49, 43];
    const out = publishes(e, hdd0.map((v, i) => [i * 1000, 'sensors/hdd0/temperature', String(v)] as [number, string, string]));
    expect(out.map((x) => [x.topic, JSON.parse(x.payload).state, JSON.parse(x.payload).avg, x.retain])).toEqual([
      ['alerts/hdd0/overheat', 'hot', 50.67, true],
      ['alerts/hdd0/overheat', 'ok', 44.67, true],
    ]);
    // hdd9 is not listed: the default row (high 60) applies, so 55s do not alert.
    expect(publishes(e, [[10_000, 'sensors/hdd9/temperature', '55'], [11_000, 'sensors/hdd9/temperature', '55'], [12_000, 'sensors/hdd9/temperature', '55']])).toEqual([]);
  });
});

describe('rules/silent-sensor.yaml', () => {
  it('alerts once a sensor has been quiet for 30 s, and says when it is back', async () => {
    const e = await engineFor('silent-sensor.yaml');
    const out = publishes(e, [
      [0, 'sensors/a/temperature', '20'],
      [20_000, 'sensors/a/temperature', '21'],
      [20_500, 'sensors/b/temperature', '30'],
    ]);
    expect(out).toEqual([]);
    expect(e.nextDeadline()).toBe(50_000);
    const silent = publishes(e, [], 50_001);
    expect(silent.map((x) => [x.topic, JSON.parse(x.payload)])).toEqual([['alerts/a/silent', expect.objectContaining({ sensor: 'a', last_value: 21, last_seen: 20_000, silent_for_ms: 30_001 })]]);
    expect(publishes(e, [], 50_600).map((x) => x.topic)).toEqual(['alerts/b/silent']);
    const back = publishes(e, [[60_000, 'sensors/a/temperature', '22']]);
    expect(back.map((x) => [x.topic, JSON.parse(x.payload).back_at])).toEqual([['alerts/a/silent', 60_000]]);
    expect(e.nextDeadline()).toBe(90_000);
  });
});

describe('rules/eca.yaml (exercise 15)', () => {
  it('intrusion: door then motion in the same room within 30 s, only when the house is away', async () => {
    const e = await engineFor('eca.yaml');
    const seq: Array<[number, string, string, boolean?]> = [
      [0, 'home/mode', 'away', true],
      [1000, 'home/door/hall', '1'],
      [2000, 'home/motion/kitchen', '1'], // another room
      [5000, 'home/motion/hall', '1'],
    ];
    const out = publishes(e, seq);
    expect(out.map((x) => [x.topic, JSON.parse(x.payload)])).toEqual([['home/alarm/hall/intrusion', { rule: 'intrusion', room: 'hall', door_at: 1000, motion_at: 5000, cause: ['home/door/hall@1000', 'home/motion/hall@5000'] }]]);
    expect(publishes(e, [[6000, 'home/mode', 'home'], [7000, 'home/door/hall', '1'], [8000, 'home/motion/hall', '1']])).toEqual([]);
  });

  it('fire: smoke and heat above the room limit, in either order, within 1 min', async () => {
    const e = await engineFor('eca.yaml');
    const out = publishes(e, [
      [0, 'home/temperature/kitchen', '65'], // kitchen limit 70
      [1000, 'home/smoke/kitchen', '1'],
      [2000, 'home/smoke/bedroom', '1'],
      [3000, 'home/temperature/bedroom', '65'], // default limit 55
    ]);
    expect(out.map((x) => [x.topic, x.payload, x.retain])).toEqual([['home/alarm/bedroom/fire', 'fire in bedroom: smoke and 65 °C (limit 55 °C)', true]]);
  });
});
