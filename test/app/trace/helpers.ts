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

