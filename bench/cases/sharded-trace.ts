import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { runMeasured, startMeasured, summarize, waitFor, type Measured } from '../measure.js';

/** Publishers fed in parallel, so the recorders (not one mosquitto_pub) set the pace. */
const PUBLISHERS = 4;

/** received_at (epoch ms) of every row of a trace file. */
function arrivals(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').slice(1).filter(Boolean).map((line) => Number(line.slice(0, line.indexOf(','))));
}

/**
 * One live run: `recorders` trace processes in one shared subscription (`$share/…`), subscribed
 * before 4 `mosquitto_pub -l -q 1` processes send `rows` messages between them. Rate = rows
 * recorded over all shards ÷ (last − first arrival stamp): start-up and idle stop do not count.
 */
async function shardedOnce(ctx: BenchContext, recorders: number, rows: number, run: number, lines: string[]): Promise<{ rate: number; recorded: number; peakRssMb: number }> {
  const { broker } = ctx;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const id = `bench-shards${recorders}-${run}`;
  const root = `bench/shards/${id}`;
  const outs = Array.from({ length: recorders }, (_, k) => join(ctx.dir, `${id}-${k + 1}.csv`));
  const tracers: Measured[] = outs.map((out, k) =>
    startMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'trace', ...hp, '-t', `$share/${id}/${root}/#`, '-q', '1', '-i', `${id}-${k + 1}`, '-W', '5', '-o', out] }),
  );
  await waitFor(() => tracers.every((t) => t.stderr().includes('trace: subscribed')), 30_000, 'the recorders to subscribe');
  const publishers = lines.map((file) => runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${root}/data`, '-q', '1', '-l'], stdinFile: file }));
  for (const p of await Promise.all(publishers)) if (p.code !== 0) throw new Error(`mosquitto_pub failed: ${p.stderr}`);
  const runs = await Promise.all(tracers.map((t) => t.done));
  for (const r of runs) if (r.code !== 0) throw new Error(`trace failed (exit ${r.code}): ${r.stderr.slice(0, 300)}`);
  const times = outs.flatMap(arrivals).sort((a, b) => a - b);
  const span = (times.at(-1)! - times[0]!) / 1000;
  return { rate: (times.length - 1) / span, recorded: times.length, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb ?? 0)) };
}

/** N recorders in one shared subscription against one recorder, live, QoS 1 (issue 15: the sharded-trace row). */
export async function shardedTraceCase(ctx: BenchContext, recorders: number, rows: number, target: number): Promise<CaseResult> {
  const per = Math.floor(rows / PUBLISHERS);
  const lines = Array.from({ length: PUBLISHERS }, (_, k) => join(ctx.dir, `shard-lines-${per}-${k}.txt`));
  for (const file of lines) await writePlainLines(file, per);
  const total = per * PUBLISHERS;
  const ours: number[] = [];
  const theirs: number[] = [];
  let dropped = 0;
  let peakRssMb = 0;
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await shardedOnce(ctx, recorders, total, i, lines);
    const b = await shardedOnce(ctx, 1, total, i, lines);
    ours.push(a.rate);
    theirs.push(b.rate);
    dropped += total - a.recorded + (total - b.recorded);
    peakRssMb = Math.max(peakRssMb, a.peakRssMb);
    ctx.log(`  sharded trace run ${i + 1}: ${recorders} recorders ${Math.round(a.rate)} msg/s (${a.recorded}/${total}), 1 recorder ${Math.round(b.rate)} msg/s (${b.recorded}/${total})`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `sharded trace ${total / 1000}k live arrivals, ${recorders} recorders, QoS 1`,
    ours: `${recorders} × trace -t '$share/g/…'`,
    baseline: '1 × trace (same group)',
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: `≥ ${target.toFixed(1)}×, 0 dropped`,
    met: ratio >= target && dropped === 0,
    dropped,
    peakRssMb,
  };
}
