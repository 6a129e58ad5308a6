import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compare, type CompareResult } from '../../src/app/compare/compare.js';
import { replay } from '../../src/app/replay/replay.js';
import { trace } from '../../src/app/trace/trace.js';

/**
 * Replays `rows` readings to `cep/x` (QoS 1, json, every `stepS` seconds) while tracing the
 * processor's output `cep/sin` until all `rows` derived events are in, then compares them with
 * `--expect sin(value)`. Whatever processes cep/x → cep/sin (process, Node-RED) is the caller's.
 */
export async function sinThroughProcessor(brokerUrl: string, dir: string, rows: number, stepS: number, value: (i: number) => string): Promise<CompareResult['report']> {
  const controller = new AbortController();
  let markReady!: () => void;
  const ready = new Promise<void>((ok) => (markReady = ok));
  let received = 0;
  let allIn!: () => void;
  const all = new Promise<void>((ok) => (allIn = ok));
  const tracing = trace({
    filters: ['cep/sin'],
    qos: 1,
    output: join(dir, 'trace.csv'),
    connection: { url: brokerUrl },
    signal: controller.signal,
    onReady: () => markReady(),
    onMessage: () => {
      if (++received === rows) allIn();
    },
  });
  await ready;
  const profile = join(dir, 'x.csv');
  writeFileSync(profile, `time,x\n${Array.from({ length: rows }, (_, i) => `${(i * stepS).toFixed(3)},${value(i)}`).join('\n')}\n`);
  await replay({ profile, format: { timeFormat: 'relative-s' }, topic: 'cep/x', qos: 1, payloadFormat: 'json', pacing: { mode: 'speed', factor: 1 }, connection: { url: brokerUrl }, log: join(dir, 'sent.csv') });
  await all;
  controller.abort();
  await tracing;
  return (await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'trace.csv')], expect: 'sin(value)' })).report;
}
