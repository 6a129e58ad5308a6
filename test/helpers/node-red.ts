import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { tempDir } from './brokers.js';
import { freePort } from '../../src/io/broker/free-port.js';

/** node_modules/node-red/red.js, found from wherever this file runs (the tests, or the bench's build). */
const RED = join(dirname(createRequire(import.meta.url).resolve('node-red/package.json')), 'red.js');
/** The project's headless settings for the flows (editor off, 127.0.0.1, port and userDir from the environment). */
// From test/helpers, or from the bench's build (out/bench-build/test/helpers).
const SETTINGS = ['../../flows/settings.cjs', '../../../../flows/settings.cjs'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((p) => existsSync(p))!;

/** A real Node-RED running one of our flows: its own settings file and userDir, editor off. */
export interface RunningNodeRed {
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
}

/**
 * Starts Node-RED (node_modules/node-red/red.js) on `flow` with the broker in MQTT_HOST /
 * MQTT_PORT; resolves once it says "Started flows" (the MQTT nodes may still be connecting:
 * callers wait for a topic), rejects (and kills it) after 60 s or if it exits first.
 */
export async function startNodeRed(flow: string, broker: { host: string; port: number }): Promise<RunningNodeRed> {
  const userDir = tempDir('sensortrace-node-red-');
  copyFileSync(flow, join(userDir, 'flows.json'));
  const uiPort = await freePort();
  // The settings file we ship (flows/settings.cjs), so the tests run the flows as a user would.
  const child = spawn(process.execPath, [RED, '--settings', SETTINGS, '--userDir', userDir, '--no-telemetry', join(userDir, 'flows.json')], {
    env: { ...process.env, MQTT_HOST: broker.host, MQTT_PORT: String(broker.port), NODE_RED_PORT: String(uiPort), NODE_RED_USER_DIR: userDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const started = new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`Node-RED did not start within 60 s:\n${text}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (text.includes('Started flows')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`Node-RED exited before it started:\n${text}`));
    });
  });
  try {
    await started;
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid!, output: () => text, stop };
}

/** Publishes the probes every 200 ms until something arrives on `answer` (the flow is connected and subscribed); returns it. */
export async function untilFlowAnswers(url: string, probes: Array<[string, string]>, answer: string, timeoutMs = 60_000): Promise<string> {
  const client: MqttClient = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  let timer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await client.subscribeAsync(answer, { qos: 1 });
    const got = new Promise<string>((ok, fail) => {
      client.once('message', (_t, payload: Buffer) => ok(payload.toString()));
      deadline = setTimeout(() => fail(new Error(`no answer on ${answer} within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    const send = (): void => {
      for (const [topic, probe] of probes) void client.publishAsync(topic, probe, { qos: 1 }).catch(() => undefined);
    };
    send();
    timer = setInterval(send, 200);
    return await got;
  } finally {
    clearInterval(timer);
    clearTimeout(deadline);
    await client.endAsync();
  }
}
