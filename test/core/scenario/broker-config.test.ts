import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerSpecFor } from '../../../src/app/experiment/broker-restarts.js';
import { parseScenario, scenarioFromValue } from '../../../src/core/scenario/scenario.js';

const base = { profile: 'p.csv' };

describe('scenario: config lines for a Mosquitto broker', () => {
  it('passes them to the generated mosquitto.conf', () => {
    const s = scenarioFromValue({ ...base, broker: { kind: 'mosquitto', config: ['max_queued_messages 10'] } }, 's.json');
    expect(s.brokers[0]).toMatchObject({ kind: 'mosquitto', config: ['max_queued_messages 10'] });
    expect(brokerSpecFor(s.brokers[0]!)).toMatchObject({ kind: 'mosquitto', extraConfig: ['max_queued_messages 10'] });
  });

  it('the shipped scenarios/broker-queue.json is valid: a default Mosquitto and one with a 20-message queue', () => {
    const path = join(import.meta.dirname, '../../../scenarios/broker-queue.json');
    const s = parseScenario(readFileSync(path, 'utf8'), path);
    expect(s.brokers.map((b) => (b.kind === 'mosquitto' ? b.config : undefined))).toEqual([undefined, ['max_queued_messages 20']]);
  });

  it.each<[unknown, RegExp]>([
    [{ kind: 'embedded', config: ['max_queued_messages 10'] }, /brokers\[0\]\.config: config lines are for a Mosquitto broker/],
    [{ kind: 'mosquitto', config: 'max_queued_messages 10' }, /brokers\[0\]\.config: expected a list of Mosquitto config lines/],
    [{ kind: 'mosquitto', config: ['a\nlistener 1883'] }, /brokers\[0\]\.config\[0\]: expected one Mosquitto config line/],
  ])('%j is refused with the field named', (broker, message) => {
    expect(() => scenarioFromValue({ ...base, brokers: [broker] }, 's.json')).toThrow(message);
  });
});
