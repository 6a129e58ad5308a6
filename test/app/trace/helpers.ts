import { spawn } from 'node:child_process';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { trace, type TraceOptions, type TraceSummary } from '../../../src/app/trace/trace.js';
import type { Qos, TraceRecord } from '../../../src/core/records.js';
import { parseTraceCells, traceColumnIndex } from '../../../src/core/trace/trace-row.js';
import { readCsvRecords } from '../../../src/io/csv/csv-file-reader.js';
import type { BrokerUnderTest } from '../../helpers/brokers.js';

/** Shared by the trace test files: read a trace back, publish with a plain MQTT.js client, start a tracer. */

export async function readTrace(path: string): Promise<TraceRecord[]> {
  const out: TraceRecord[] = [];
  let index: Map<string, number> | undefined;
  for await (const record of readCsvRecords(path, { partialLastLine: 'skip' })) {
    if (!index) index = traceColumnIndex(record.cells, path);
    else out.push(parseTraceCells(record.cells, index, { file: path, line: record.line }));
  }
  return out;
}

export async function connectPublisher(broker: BrokerUnderTest, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(broker.url, { reconnectPeriod: 100, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

export function publish(client: MqttClient, topic: string, payload: string | Buffer, qos: Qos, retain = false): Promise<void> {
  return new Promise((resolve, reject) => client.publish(topic, payload, { qos, retain }, (error) => (error ? reject(error) : resolve())));
}

export const reading = (seq: number) => ({ seq, sensor: 'hdd0', time: 1_266_193_804_000 + seq * 1000, value: 30 + seq / 10 });

/** Starts trace() and resolves `ready` at SUBACK; `result` is the summary. */
export function startTrace(options: Omit<TraceOptions, 'onReady'>): { ready: Promise<void>; result: Promise<TraceSummary> } {
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const result = trace({ ...options, onReady: () => ready() });
  // A failing trace must fail the test, not leave it waiting for a SUBACK that never comes.
  return { ready: Promise.race([readyPromise, result.then(() => undefined)]), result };
}


const root = join(import.meta.dirname, '../../..');

/**
 * The built `trace` CLI as a child (`args` after the broker's address; pass `-v` so it prints
 * each row), fed QoS 1 messages on `s/x` from its SUBACK on until it printed 50 rows, then sent
 * `signal` (`midStream` runs just before). Resolves once the child and the publisher are done.
 * SIGKILLed after 60 s, so a hung trace fails the test instead of stalling it.
 */
export async function signalTraceMidStream(broker: BrokerUnderTest, args: string[], options: { signal: NodeJS.Signals; payload: (i: number) => string; midStream?: () => void }): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'trace', '-h', broker.host, '-p', String(broker.port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [out, err] = ['', ''];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('trace: subscribed')) resolve();
      });
      void exited.then(() => reject(new Error(`trace exited early: ${err}`)));
    });
    const publisher = await connectPublisher(broker);
    let pumping = true;
    const pump = (async () => {
      for (let i = 1; pumping; i++) await publish(publisher, 's/x', options.payload(i), 1);
    })();
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').length > 50) resolve();
      });
    });
    options.midStream?.();
    child.kill(options.signal);
    const code = await exited;
    pumping = false;
    await pump;
    await publisher.endAsync();
    return { code, out, err };
  } finally {
    clearTimeout(killer);
    child.kill('SIGKILL');
  }
}
