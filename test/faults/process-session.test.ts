import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { runProcessor } from '../../src/app/process/process.js';
import { eventsPathFor } from '../../src/core/records.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';

const RULES = (qos: number): string => `name: double\ntransforms:\n  - name: double\n    subscribe: in/x\n    value: value * 2\n    publish: out/x\n    qos: ${qos}\n`;

/** Runs the processor on Mosquitto, restarts the broker (SIGTERM) once it listens, and returns the connect lines of its events file once it is back and has processed one message. */
async function processAcrossRestart(qos: number): Promise<string[]> {
  return withMosquitto(async (broker) => {
    const dir = tempDir();
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, RULES(qos));
    const log = join(dir, 'process.csv');
    const controller = new AbortController();
    let ready!: () => void;
    const listening = new Promise<void>((resolve) => (ready = resolve));
    let connects = 0;
    let back!: () => void;
    const reconnected = new Promise<void>((resolve) => (back = resolve));
    const running = runProcessor({
      rules,
      log,
      connection: { host: broker.host, port: broker.port, reconnectPeriodMs: 100 },
      signal: controller.signal,
      onReady: () => ready(),
      onEvent: (event) => {
        if (event.event === 'connect' && ++connects === 2) back();
      },
    });
    await listening;
    await broker.stop('graceful');
    await broker.start();
    await reconnected;
    const publisher = await mqtt.connectAsync({ host: broker.host, port: broker.port });
    const output = await mqtt.connectAsync({ host: broker.host, port: broker.port });
    const got = new Promise<string>((resolve) => output.on('message', (_t, p) => resolve(p.toString())));
    await output.subscribeAsync('out/x', { qos: 1 });
    await publisher.publishAsync('in/x', '21', { qos: 1 });
    expect(await got).toContain('42');
    await Promise.all([publisher.endAsync(), output.endAsync()]);
    controller.abort();
    const summary = await running;
    expect(summary.published).toBe(1);
    return readFileSync(eventsPathFor(log), 'utf8').split('\n').filter((line) => line.includes(',connect,'));
  });
}

describe.runIf(mosquittoAvailable)('process: persistent session when its rules publish at QoS 1/2', () => {
  it('QoS 2 rules: a persistent session under an id derived from --log, found again after a graceful restart', async () => {
    const connects = await processAcrossRestart(2);
    expect(connects).toHaveLength(2);
    expect(connects[0]).toMatch(/,connect,0,"?persistent session, client id st-process-[0-9a-f]{16} \(derived from the log's path\)/);
    expect(connects[1]).toContain(',connect,1,');
  }, 30_000);

  it('QoS 0 rules: a clean session, as before', async () => {
    const connects = await processAcrossRestart(0);
    expect(connects).toHaveLength(2);
    expect(connects.every((line) => line.includes(',connect,0,') && !line.includes('persistent'))).toBe(true);
  }, 30_000);
});
