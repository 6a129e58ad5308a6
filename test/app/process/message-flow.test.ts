import mqtt, { type IConnackPacket } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AbsenceTimer } from '../../../src/app/process/absence-timer.js';
import { loopWarnings } from '../../../src/app/process/loop-warning.js';
import { attachMessageFlow, subscribeAll } from '../../../src/app/process/message-flow.js';
import { ProcessStop } from '../../../src/app/process/process-stop.js';
import { RuleEngine, type Emission, type PublishEmission } from '../../../src/core/rules/engine.js';
import { systemClock } from '../../../src/io/clock.js';
import { parseRules } from '../../../src/io/input/rules-loader.js';
import { withEmbeddedBroker } from '../../helpers/brokers.js';

const DOUBLE = `
name: double
rules:
  - name: double
    on: in/+
    do: { publish: { topic: "out/{sensor}", payload: "{value * 2}" } }
`;

describe('subscribeAll', () => {
  it('fails with E_BROKER naming the filters the broker refused', async () => {
    await withEmbeddedBroker(async (broker) => {
      broker.aedes.authorizeSubscribe = (_client, sub, done) => done(null, sub.topic.startsWith('secret/') ? null : sub);
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      try {
        await subscribeAll(client, [{ filter: 'open/#', qos: 1 }], false);
        await expect(subscribeAll(client, [{ filter: 'open/#', qos: 1 }, { filter: 'secret/#', qos: 0 }], false)).rejects.toMatchObject({ code: 'E_BROKER', message: 'broker refused the subscription to secret/#' });
      } finally {
        await client.endAsync();
      }
    });
  });
});

describe('the CEP message flow', () => {
  it('message → rule engine → emissions carried out; stops after count; ignores what comes after the stop', async () => {
    await withEmbeddedBroker(async (broker) => {
      const ruleSet = parseRules(DOUBLE, 'double.yaml');
      const engine = new RuleEngine(ruleSet);
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      try {
        const stop = new ProcessStop();
        const carried: Emission[] = [];
        let subscribes = 0;
        const subscribe = async (): Promise<void> => {
          subscribes++;
          await subscribeAll(client, engine.subscriptions(), false);
        };
        const absences = new AbsenceTimer(engine, ruleSet, systemClock, () => undefined, () => stop.stopping);
        attachMessageFlow({ client, engine, clock: systemClock, stop, absences, carryOut: (e) => carried.push(...e), subscribe, count: 2, onWarning: () => undefined });
        await subscribe();
        for (const value of [1, 2, 3]) await publisher.publishAsync(`in/s${value}`, String(value), { qos: 1 });
        await stop.stopped;
        expect(stop.stoppedBy).toBe('count');
        // Messages after the stop reach the client (this listener runs after the flow's) but not the engine.
        const lastArrived = new Promise<void>((resolve) => client.on('message', (topic) => topic === 'in/s4' && resolve()));
        await publisher.publishAsync('in/s4', '4', { qos: 1 });
        await lastArrived;
        expect(carried.map((e) => [(e as PublishEmission).topic, (e as PublishEmission).payload])).toEqual([
          ['out/s1', '2'],
          ['out/s2', '4'],
        ]);
        expect(engine.stats.received).toBe(2);

        // A reconnect that found no session: the subscriptions are made again (not once the processor stops).
        const resubscribes = subscribes;
        client.emit('connect', { cmd: 'connack', sessionPresent: true, returnCode: 0 } as IConnackPacket);
        client.emit('connect', { cmd: 'connack', sessionPresent: false, returnCode: 0 } as IConnackPacket);
        expect(subscribes).toBe(resubscribes); // stopping: no resubscribe
      } finally {
        await publisher.endAsync();
        await client.endAsync();
      }
    });
  });

  it('a reconnect without a session subscribes again; one with a session does not', async () => {
    await withEmbeddedBroker(async (broker) => {
      const ruleSet = parseRules(DOUBLE, 'double.yaml');
      const engine = new RuleEngine(ruleSet);
      const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      try {
        const stop = new ProcessStop();
        let subscribes = 0;
        const warnings: string[] = [];
        const absences = new AbsenceTimer(engine, ruleSet, systemClock, () => undefined, () => stop.stopping);
        attachMessageFlow({ client, engine, clock: systemClock, stop, absences, carryOut: () => undefined, subscribe: async () => void subscribes++, onWarning: (w) => warnings.push(w) });
        client.emit('connect', { cmd: 'connack', sessionPresent: true, returnCode: 0 } as IConnackPacket);
        expect(subscribes).toBe(0);
        client.emit('connect', { cmd: 'connack', sessionPresent: false, returnCode: 0 } as IConnackPacket);
        expect(subscribes).toBe(1);
        expect(warnings).toEqual([]);
      } finally {
        await client.endAsync();
      }
    });
  });
});

describe('loopWarnings', () => {
  const rules = parseRules(
    `
rules:
  - name: echo
    on: sensors/+/temperature
    do: { publish: { topic: sensors/echo/temperature, payload: "{value}" } }
  - name: elsewhere
    on: sensors/+/temperature
    do: { publish: { topic: "alerts/{sensor}", payload: "{value}" } }
`,
    'r.yaml',
  );
  const subscriptions = [{ filter: 'sensors/+/temperature' }];

  it('warns (MQTT 3.1.1) about a fixed topic the processor itself listens to', () => {
    const warnings = loopWarnings(rules, subscriptions, false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: "echo" publishes to sensors\/echo\/temperature, which matches the subscription sensors\/\+\/temperature/);
  });

  it('says nothing with MQTT 5 (No Local)', () => {
    expect(loopWarnings(rules, subscriptions, true)).toEqual([]);
  });
});
