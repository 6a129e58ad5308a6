import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandMatrix, parseScenario, scenarioFromValue } from '../../../src/core/scenario/scenario.js';

const base = { profile: 'p.csv' };

describe('scenario parsing', () => {
  it('applies defaults: embedded broker, QoS 0/1/2, no restart, json payload, profile pacing', () => {
    const s = scenarioFromValue(base, 's.json');
    expect(s).toMatchObject({
      qos: [0, 1, 2],
      brokers: [{ kind: 'embedded', name: 'embedded', persistence: true }],
      variants: [{ name: 'no restart', restarts: [] }],
      payloadFormat: 'json',
      pacing: { mode: 'profile' },
      drainMs: 10_000,
    });
  });

  it('reads pacing, durations, brokers and restart variants', () => {
    const s = scenarioFromValue(
      {
        ...base,
        speed: 120,
        qos: [1],
        drain: '3s',
        brokers: ['embedded', { kind: 'mosquitto', persistence: 'off' }, { kind: 'external', name: 'lab', url: 'mqtt://lab:1883', stop: 'systemctl stop mosquitto', start: 'systemctl start mosquitto' }],
        restarts: [
          { at: '20s', downFor: 5, kind: 'crash' },
          { name: 'twice', schedule: [{ at: '40s', downFor: '1s' }, { at: 500, downFor: '1.5s', state: 'kept' }] },
        ],
      },
      's.json',
    );
    expect(s.pacing).toEqual({ mode: 'speed', factor: 120 });
    expect(s.drainMs).toBe(3000);
    expect(s.brokers.map((b) => b.name)).toEqual(['embedded', 'mosquitto-nopersist', 'lab']);
    expect(s.variants[0]).toEqual({ name: 'crash at 20s for 5s, state kept', restarts: [{ atMs: 20_000, downForMs: 5000, kind: 'crash', state: 'kept' }] });
    // A schedule is sorted by time.
    expect(s.variants[1]!.restarts.map((r) => r.atMs)).toEqual([500_000, 40_000].sort((a, b) => a - b));
  });

  it.each([
    [{ ...base, qos: [3] }, 's.json: qos[0]: expected 0, 1 or 2 (found "3")'],
    [{ ...base, speed: 2, rate: 3 }, 'choose one pacing'],
    [{ ...base, restarts: [{ at: 'soon' }] }, 's.json: restarts[0].at: expected a duration'],
    [{ ...base, restarts: [{ at: '1s', kind: 'reboot' }] }, 's.json: restarts[0].kind: expected one of: graceful, crash (found "reboot")'],
    [{ ...base, brokers: [{ kind: 'external', url: 'mqtt://x' }], restarts: [{ at: '1s' }] }, 'needs "stop" and "start"'],
    [{ ...base, brokers: [{ kind: 'external', url: 'mqtt://x', stop: 'a', start: 'b' }], restarts: [{ at: '1s', state: 'lost' }] }, 'cannot be arranged on an external broker'],
    [{ ...base, restarts: [{ schedule: [{ at: '1s', downFor: '5s' }, { at: '3s' }] }] }, 'restarts overlap'],
    [{ ...base, brokers: ['embedded', 'embedded'] }, 'same name'],
    [{ ...base, colour: 'red' }, 's.json: colour: unknown setting'],
    [{ speed: 3 }, 's.json: profile: is required'],
    [{ profile: ' ' }, 's.json: profile: expected a non-empty string'],
    [{ ...base, brokers: [{ kind: 'mosquitto', persistance: true }] }, 's.json: brokers[0].persistance: unknown setting'],
    [{ ...base, brokers: [{ kind: 'external' }] }, 's.json: brokers[0].url: is required'],
    [{ ...base, broker: { kind: 'external', url: 'http://x' } }, 's.json: brokers[0].url: expected mqtt://, mqtts://, ws:// or wss:// (found "http://x")'],
    [{ ...base, restarts: [{ downFor: '1s' }] }, 's.json: restarts[0].at: is required'],
    [{ ...base, restarts: [5] }, 's.json: restarts[0]: expected an object (a restart, or {name, schedule}), or "none" (found "5")'],
    [{ ...base, restarts: [{ schedule: [] }] }, 's.json: restarts[0].schedule: expected at least one entry'],
    [{ ...base, drain: -1 }, 's.json: drain: expected a duration like 500ms, 20s, 2m or 1h (found "-1")'],
    [{ ...base, loop: 1.5 }, 's.json: loop: expected a whole number ≥ 1 (found "1.5")'],
    [{ ...base, speed: 0 }, 's.json: speed: expected a positive number (found "0")'],
    [{ ...base, queueQos0: 'yes' }, 's.json: queueQos0: expected true/false (or "on"/"off") (found "yes")'],
    [[base], 's.json: expected an object (found "a list")'],
  ])('rejects %j', (value, message) => {
    expect(() => scenarioFromValue(value, 's.json')).toThrow(message);
  });

  it('accepts the short forms: one QoS, one broker by kind, one restart, "none" for a baseline', () => {
    const s = scenarioFromValue({ ...base, qos: 1, broker: 'mosquitto', restarts: [{ at: 2, downFor: 0.5 }, 'none'], queueQos0: 'on', loop: 3 }, 's.json');
    expect(s.qos).toEqual([1]);
    expect(s.brokers).toEqual([{ kind: 'mosquitto', name: 'mosquitto', persistence: true, autosaveIntervalS: 0 }]);
    expect(s.variants.map((v) => v.restarts.length)).toEqual([1, 0]);
    expect(scenarioFromValue({ ...base, restarts: null }, 's.json').variants).toEqual([{ name: 'no restart', restarts: [] }]);
    expect(s).toMatchObject({ queueQos0: true, loop: 3 });
  });

  // Errors in a file name its line: JSON is YAML, so the yaml package locates the keys.
  it.each([
    ['{\n  "profile": "p.csv",\n  "qos": [0, 3]\n}', 's.json:3: qos[1]: expected 0, 1 or 2 (found "3")'],
    ['{\n  "profile": "p.csv",\n  "restarts": [\n    { "at": "1s" },\n    { "at": "soon" }\n  ]\n}', 's.json:5: restarts[1].at: expected a duration like 500ms, 20s, 2m or 1h (found "soon")'],
    ['{\n  "profile": "p.csv",\n\n  "colour": "red"\n}', 's.json:4: colour: unknown setting (known: name,'],
    ['{"profile": "p.csv",\n "broker": {\n   "kind": "cloud"}}', 's.json:3: brokers[0].kind: expected one of: embedded, mosquitto, external (found "cloud")'],
    ['{"profile": "p.csv",\n "qos": 7}', 's.json:2: qos[0]: expected 0, 1 or 2 (found "7")'],
    ['{"profile": "p.csv", "speed": 2,\n "rate": 3}', 's.json:2: rate: choose one pacing: speed, rate or max (found "speed, rate")'],
  ])('names the line of a bad field in %j', (text, message) => {
    expect(() => parseScenario(text, 's.json')).toThrow(message);
  });

  it('reports invalid JSON with the file name, as an input error', () => {
    expect(() => parseScenario('{"profile": ', 'bad.json')).toThrow(expect.objectContaining({ code: 'E_INPUT', message: expect.stringContaining('bad.json: not valid JSON') }));
  });
});

describe('matrix expansion', () => {
  it('runs every QoS × broker × variant, with distinct folder names', () => {
    const s = scenarioFromValue({ ...base, brokers: ['embedded', 'mosquitto'], qos: [0, 2], restarts: [{ at: '1s', name: 'Graceful, kept' }, { at: '1s', kind: 'crash', name: 'crash' }] }, 's.json');
    const runs = expandMatrix(s);
    expect(runs).toHaveLength(8);
    expect(runs.map((r) => r.id).slice(0, 3)).toEqual(['01-embedded-graceful-kept-q0', '02-embedded-graceful-kept-q2', '03-embedded-crash-q0']);
    expect(new Set(runs.map((r) => r.id)).size).toBe(8);
    expect(runs.map((r) => r.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it.each(['demo.json', 'mosquitto-matrix.json'])('the shipped scenarios/%s is valid', (name) => {
    const file = new URL(`../../../scenarios/${name}`, import.meta.url);
    const s = parseScenario(readFileSync(file, 'utf8'), name);
    expect(expandMatrix(s).length).toBeGreaterThan(1);
  });
});

describe('external broker URLs in a scenario', () => {
  it.each([
    ['mqtt://lab:99999', 'the port must be a whole number from 1 to 65535'],
    ['mqtt://', 'mqtt://'],
    ['http://lab:1883', 'expected mqtt://'],
  ])('%s is refused at its line and field', (url, message) => {
    const text = JSON.stringify({ profile: 'p.csv', broker: { kind: 'external', url } }, null, 2);
    expect(() => parseScenario(text, 's.json')).toThrow(expect.objectContaining({ code: 'E_INPUT', message: expect.stringMatching(/^s\.json:5: brokers\[0\]\.url: /) }));
    expect(() => parseScenario(text, 's.json')).toThrow(message);
  });

  it('a good one passes', () => {
    const text = JSON.stringify({ profile: 'p.csv', broker: { kind: 'external', url: 'mqtt://lab.example:1883' } });
    expect(parseScenario(text, 's.json').brokers[0]).toMatchObject({ kind: 'external', url: 'mqtt://lab.example:1883' });
  });
});
