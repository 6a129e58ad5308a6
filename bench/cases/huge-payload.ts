import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { runMeasured, summarize } from '../measure.js';

/**
 * Memory for one huge binary payload: trace records a single QoS 1 message of `mb` MB (random
 * bytes, written base64 in the CSV, in pieces: never one string) queued for its persistent
 * session, against mosquitto_sub -C 1 receiving the same message, and a bare MQTT.js subscriber
 * (what the MQTT client alone costs: its parser holds the socket's chunks and then their copy,
 * about 2× the payload). Reported: peak RSS of each, and trace's as a multiple of the payload
 * (target ≤ 3×).
 */
type Tool = 'sensortrace' | 'mosquitto_sub' | 'mqtt.js';

/** A bare MQTT.js subscriber (persistent session, QoS 1) that ends after its first non-retained message. */
const BARE_MQTTJS = `
import mqtt from 'mqtt';
const [url, id, topic] = process.argv.slice(1);
const client = mqtt.connect(url, { clientId: id, clean: false });
client.on('connect', () => client.subscribe(topic, { qos: 1 }));
client.on('message', (_t, payload, packet) => { if (!packet.retain) process.stdout.write(payload.length + '\\n'); client.end(); });
`;

function subscriber(ctx: BenchContext, tool: Tool, topic: string, id: string, out: string): { command: string; args: string[]; stdoutFile?: string } {
  const hp = ['-h', ctx.broker.host, '-p', String(ctx.broker.port)];
  if (tool === 'sensortrace') return { command: ctx.cli.command, args: [...ctx.cli.args, 'trace', ...hp, '-t', `${topic}/#`, '-q', '1', '-i', id, '--no-clean', '-C', '1', '-W', '120', '--quiet', '-o', out] };
  if (tool === 'mqtt.js') return { command: process.execPath, args: ['--input-type=module', '-e', BARE_MQTTJS, `mqtt://${ctx.broker.host}:${ctx.broker.port}`, id, `${topic}/#`], stdoutFile: out };
  return { command: 'mosquitto_sub', args: [...hp, '-t', `${topic}/#`, '-q', '1', '-i', id, '-c', '-C', '1', '-W', '120'], stdoutFile: out };
}

async function recordOnce(ctx: BenchContext, tool: Tool, payload: string, run: number): Promise<{ peakRssMb: number; wallMs: number; bytes: number }> {
  const { broker } = ctx;
  const id = `bench-huge-${tool.replace('.', '')}-${run}`;
  const topic = `bench/huge/${id}`;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const out = join(ctx.dir, `${id}.out`);
  const subscribe = () => subscriber(ctx, tool, topic, id, out);
  // The session first (a retained hello answers the subscription at once), then the payload queued for it.
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${topic}/hello`, '-r', '-m', 'hello'] });
  const created = await runMeasured(subscribe());
  if (created.code !== 0) throw new Error(`${tool} failed to create its session: ${created.stderr.slice(0, 300)}`);
  const pub = await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${topic}/blob`, '-q', '1', '-f', payload] });
  if (pub.code !== 0) throw new Error(`mosquitto_pub failed: ${pub.stderr.slice(0, 300)}`);
  const received = await runMeasured(subscribe());
  if (received.code !== 0) throw new Error(`${tool} failed to receive: ${received.stderr.slice(0, 300)}`);
  return { peakRssMb: received.peakRssMb ?? 0, wallMs: received.wallMs, bytes: statSync(out).size };
}

export async function hugePayloadCase(ctx: BenchContext, mb: number): Promise<CaseResult> {
  const payload = join(ctx.dir, `payload-${mb}mb.bin`);
  writeFileSync(payload, randomBytes(mb * 1_000_000));
  const ours: number[] = [];
  const theirs: number[] = [];
  const mqttjs: number[] = [];
  let dropped = 0;
  for (let i = 0; i < Math.min(ctx.repeats, 2); i++) {
    const a = await recordOnce(ctx, 'sensortrace', payload, i);
    const b = await recordOnce(ctx, 'mosquitto_sub', payload, i);
    const c = await recordOnce(ctx, 'mqtt.js', payload, i);
    ours.push(a.peakRssMb);
    theirs.push(b.peakRssMb);
    mqttjs.push(c.peakRssMb);
    // The trace holds the base64 of the payload (4/3 of it) in one row.
    if (a.bytes < (mb * 1_000_000 * 4) / 3) dropped++;
    ctx.log(`  ${mb} MB payload run ${i + 1}: trace peak RSS ${a.peakRssMb.toFixed(0)} MB (${(a.peakRssMb / mb).toFixed(1)}×) in ${(a.wallMs / 1000).toFixed(1)} s; mosquitto_sub ${b.peakRssMb.toFixed(0)} MB in ${(b.wallMs / 1000).toFixed(1)} s; bare MQTT.js ${c.peakRssMb.toFixed(0)} MB in ${(c.wallMs / 1000).toFixed(1)} s`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  return {
    name: `record one ${mb} MB binary payload, peak RSS`,
    ours: 'trace -C 1 -o file.csv',
    baseline: 'mosquitto_sub -C 1 > file',
    unit: 'MB',
    oursStats,
    baselineStats,
    ratio: baselineStats.median / oursStats.median,
    target: `peak RSS ≤ 3× the payload (${3 * mb} MB)`,
    met: oursStats.median <= 3 * mb,
    dropped,
    peakRssMb: oursStats.max,
    detail: { payloadMb: mb, timesPayload: oursStats.median / mb, mqttjsAloneMb: summarize(mqttjs).median, overMqttjsMb: oursStats.median - summarize(mqttjs).median },
  };
}
