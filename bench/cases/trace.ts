import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { runMeasured, summarize } from '../measure.js';

/** Arrival times (epoch ms) of the data messages, from column `column` of a CSV-ish file. */
function arrivalTimes(path: string, column: number, scale: number): number[] {
  const out: number[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const cell = line.split(',')[column];
    const t = Number(cell);
    if (line.includes('/data,') && Number.isFinite(t) && cell !== '') out.push(t * scale);
  }
  return out;
}

/**
 * Recording speed, measured as drain speed: the subscriber's persistent session is created, the
 * subscriber leaves, N messages are queued for it by the broker, then it comes back and drains
 * the queue as fast as it can write. Rate = arrivals ÷ (last − first arrival stamp), from each
 * tool's own timestamps, so process start-up does not count.
 */
/** `--trace-before <old dist/cli/bin.js>`: an older build of trace drains the same way, for a same-run before/after. */
function traceBefore(): string | undefined {
  const at = process.argv.indexOf('--trace-before');
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function drainOnce(ctx: BenchContext, tool: 'sensortrace' | 'mosquitto_sub' | 'before', qos: 0 | 1, rows: number, run: number, lines: string): Promise<{ rate: number; recorded: number; peakRssMb?: number }> {
  const { broker } = ctx;
  const id = `bench-${tool}-q${qos}-${run}`;
  const root = `bench/trace/${id}`;
  const topic = `${root}/#`;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const out = join(ctx.dir, `${id}.csv`);
  const subscribe = (count: number) =>
    tool !== 'mosquitto_sub'
      ? { command: ctx.cli.command, args: [...(tool === 'before' ? [traceBefore()!] : ctx.cli.args), 'trace', ...hp, '-t', topic, '-q', String(qos), '-i', id, '--no-clean', '-C', String(count), '-W', '60', '--quiet', '-o', out] }
      : { command: 'mosquitto_sub', args: [...hp, '-t', topic, '-q', String(qos), '-i', id, '-c', '-C', String(count), '-W', '60', '-F', '%U,%t,%p'], stdoutFile: out };
  // 1. create the session: a retained message answers the subscription at once, so the
  //    subscriber exits by count without any sleep. It stays (the bench broker is thrown away):
  //    clearing it would queue one more message for the session.
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${root}/hello`, '-r', '-m', 'hello'] });
  const created = await runMeasured(subscribe(1));
  if (created.code !== 0) throw new Error(`${tool} failed to create its session: ${created.stderr.slice(0, 300)}`);
  // 2. queue N messages while it is away.
  const pub = await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${root}/data`, '-q', String(Math.max(qos, 1)), '-l'], stdinFile: lines });
  if (pub.code !== 0) throw new Error(`mosquitto_pub failed: ${pub.stderr}`);
  // 3. drain.
  // Both tools subscribe again on start, so the retained hello comes once more: rows + 1.
  const drained = await runMeasured(subscribe(rows + 1));
  if (drained.code !== 0) throw new Error(`${tool} failed while draining: ${drained.stderr.slice(0, 300)}`);
  const times = tool !== 'mosquitto_sub' ? arrivalTimes(out, 0, 1) : arrivalTimes(out, 0, 1000);
  const recorded = times.length;
  const span = (times.at(-1)! - times[0]!) / 1000;
  const result: { rate: number; recorded: number; peakRssMb?: number } = { rate: (recorded - 1) / span, recorded };
  if (drained.peakRssMb !== undefined) result.peakRssMb = drained.peakRssMb;
  return result;
}

export async function traceCase(ctx: BenchContext, qos: 0 | 1, rows: number): Promise<CaseResult> {
  const lines = join(ctx.dir, `trace-lines-${rows}.txt`);
  await writePlainLines(lines, rows);
  const ours: number[] = [];
  const theirs: number[] = [];
  let dropped = 0;
  let peakRssMb = 0;
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await drainOnce(ctx, 'sensortrace', qos, rows, i, lines);
    const b = await drainOnce(ctx, 'mosquitto_sub', qos, rows, i, lines);
    const before = traceBefore() ? await drainOnce(ctx, 'before', qos, rows, i, lines) : undefined;
    ours.push(a.rate);
    theirs.push(b.rate);
    dropped += rows - a.recorded;
    peakRssMb = Math.max(peakRssMb, a.peakRssMb ?? 0);
    ctx.log(`  trace q${qos} run ${i + 1}: sensortrace ${Math.round(a.rate)} msg/s (${a.recorded}/${rows}), mosquitto_sub ${Math.round(b.rate)} msg/s (${b.recorded}/${rows})${before ? `, trace (before) ${Math.round(before.rate)} msg/s (${before.recorded}/${rows})` : ''}`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `record ${rows / 1000}k arrivals to CSV, QoS ${qos}`,
    ours: 'trace -o file.csv',
    baseline: "mosquitto_sub -F '%U,%t,%p' > file",
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: '≥ 1.0×, 0 dropped',
    met: ratio >= 1 && dropped === 0,
    dropped,
    peakRssMb,
  };
}
