import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { summarize, writeLines } from '../measure.js';
import { publishOnce } from './publish.js';

const START_S = 1_700_000_000;
const SENSORS = 16;

/** `rows` readings of 16 sensors (time,sensor,value), values as in writePlainLines: the same payload sizes. */
async function writeSensorsProfile(path: string, rows: number): Promise<void> {
  function* lines(): Generator<string> {
    yield 'time,sensor,value\n';
    for (let i = 0; i < rows; i++) yield `${START_S + Math.floor(i / SENSORS)},s${i % SENSORS},${(20 + 5 * Math.sin(i / 600)).toFixed(2)}\n`;
  }
  await writeLines(path, lines());
}

/**
 * `replay --max --connections N` (16 sensors spread over N client connections) against
 * `mosquitto_pub -l` on its one connection, QoS 1/2, end to end at an independent subscriber
 * (publishOnce): issue 14's "≥ 2× with N = 4, 0 lost".
 */
export async function publishConnectionsCase(ctx: BenchContext, qos: 1 | 2, rows: number, connections: number, target: number): Promise<CaseResult> {
  const profile = join(ctx.dir, `profile-sensors-${rows}.csv`);
  const lines = join(ctx.dir, `lines-${rows}.txt`);
  await writeSensorsProfile(profile, rows);
  await writePlainLines(lines, rows);
  const ours: number[] = [];
  const theirs: number[] = [];
  let dropped = 0;
  let peakRssMb = 0;
  const { broker } = ctx;
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await publishOnce(ctx, `pubc-q${qos}-st-${i}`, qos, rows, (topic) => ({
      command: ctx.cli.command,
      args: [...ctx.cli.args, 'replay', profile, '-t', topic.replace(/\/t$/, '/{sensor}'), '-q', String(qos), '--max', '--connections', String(connections), '-h', broker.host, '-p', String(broker.port), '--quiet', '--log', join(ctx.dir, `sent-c${connections}-q${qos}-${i}.csv`)],
    }));
    if (a.run.code !== 0) throw new Error(`replay failed (exit ${a.run.code}): ${a.run.stderr.slice(0, 500)}`);
    ours.push(a.rate);
    peakRssMb = Math.max(peakRssMb, a.run.peakRssMb ?? 0);
    dropped += rows - a.delivered;
    const b = await publishOnce(ctx, `pubc-q${qos}-mp-${i}`, qos, rows, (topic) => ({
      command: 'mosquitto_pub',
      args: ['-h', broker.host, '-p', String(broker.port), '-t', topic, '-q', String(qos), '-l'],
      stdinFile: lines,
    }));
    theirs.push(b.rate);
    ctx.log(`  publish --connections ${connections} q${qos} run ${i + 1}: sensortrace ${Math.round(ours.at(-1)!)} msg/s (${a.delivered}/${rows} delivered), mosquitto_pub ${Math.round(theirs.at(-1)!)} msg/s (${b.delivered}/${rows})`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `publish ${rows / 1000}k rows, --max --connections ${connections}, QoS ${qos}`,
    ours: `replay --max --connections ${connections}`,
    baseline: `mosquitto_pub -l -q ${qos} (one connection)`,
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: `≥ ${target.toFixed(1)}×`,
    met: ratio >= target,
    dropped,
    peakRssMb,
  };
}
