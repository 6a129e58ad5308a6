import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { tempDir, withMosquitto, mosquittoAvailable } from '../helpers/brokers.js';
import { sinThroughProcessor } from '../helpers/derived-run.js';
import { startNodeRed, untilFlowAnswers } from '../helpers/node-red.js';

const flows = resolve(import.meta.dirname, '../../flows');

describe.runIf(mosquittoAvailable)('Node-RED flows (a real Node-RED on Mosquitto)', () => {
  it('flows/sin.json: replay → Node-RED → trace, compare --expect sin(value): 0 lost, 0 mismatches', async () => {
    await withMosquitto(async (broker) => {
      const red = await startNodeRed(join(flows, 'sin.json'), broker);
      try {
        expect(await untilFlowAnswers(broker.url, [['cep/x', '0']], 'cep/sin')).toBe('0');
        const dir = tempDir('sensortrace-flow-sin-');
        const report = await sinThroughProcessor(broker.url, dir, 50, 0.02, (i) => (i / 7).toFixed(3));
        expect(report).toMatchObject({ sent: 50, delivered: 50, lost: 0, value_mismatches: 0, unexpected: 0 });
      } finally {
        await red.stop();
      }
      expect(red.output()).toMatch(/Connected to broker/);
    });
  }, 120_000);

  it('flows/eca.json: an intrusion while away and a fire above the room limit raise the alarms', async () => {
    await withMosquitto(async (broker) => {
      const red = await startNodeRed(join(flows, 'eca.json'), broker);
      try {
        const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
        await client.subscribeAsync('home/alarm/#', { qos: 1 });
        const alarms: string[] = [];
        client.on('message', (topic, payload: Buffer) => alarms.push(`${topic} ${payload.toString()}`));
        await client.publishAsync('home/mode', 'away', { qos: 1, retain: true });
        // Smoke and heat above the kitchen's 70 °C, resent until the flow is subscribed and answers.
        const fire = await untilFlowAnswers(broker.url, [['home/smoke/kitchen', '1'], ['home/temperature/kitchen', '75']], 'home/alarm/kitchen/fire');
        expect(fire).toBe('fire in kitchen: smoke and 75 °C (limit 70 °C)');
        await client.publishAsync('home/door/hall', '1', { qos: 1 });
        await client.publishAsync('home/motion/hall', '1', { qos: 1 });
        const intrusion = await new Promise<string>((ok) => {
          const check = (): void => {
            const hit = alarms.find((a) => a.startsWith('home/alarm/hall/intrusion'));
            if (hit) ok(hit);
            else client.once('message', check);
          };
          check();
        });
        expect(JSON.parse(intrusion.slice(intrusion.indexOf(' ') + 1))).toMatchObject({ rule: 'intrusion', room: 'hall' });
        await client.publishAsync('home/alarm/kitchen/fire', '', { qos: 1, retain: true });
        await client.publishAsync('home/mode', '', { qos: 1, retain: true });
        await client.endAsync();
      } finally {
        await red.stop();
      }
    });
  }, 120_000);
});

// The flows are data the tests above exercise; they must at least name the broker through env vars.
it('the flows take the broker from MQTT_HOST / MQTT_PORT', () => {
  for (const name of ['sin.json', 'eca.json']) {
    const broker = (JSON.parse(readFileSync(join(flows, name), 'utf8')) as Array<Record<string, unknown>>).find((n) => n.type === 'mqtt-broker');
    expect(broker).toMatchObject({ broker: '${MQTT_HOST}', port: '${MQTT_PORT}' });
  }
});
