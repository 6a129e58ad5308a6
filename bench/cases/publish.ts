import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines, writeProfile } from '../data.js';
import { runMeasured, startMeasured, summarize, waitFor, writeLines, type ProcessRun } from '../measure.js';
import { statSync } from 'node:fs';

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  return text.length === 0 ? 0 : text.split('\n').length - 1;
}

/** Epoch ms of the last arrival in a `-F '%U %t'` recording. */
function lastArrival(path: string): number {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return Number(lines.at(-1)?.split(' ')[0]) * 1000;
}

/**
 * One publish run: an independent mosquitto_sub counts what arrives (it is subscribed before
 * the publisher starts: a retained marker on the same tree tells us so). The rate is end to
 * end — rows ÷ (last arrival − publisher spawn) — so a publisher that exits before its messages
 * are through gains nothing, and start-up time counts for both tools alike.
 */
export async function publishOnce(ctx: BenchContext, tag: string, qos: number, rows: number, publisher: (topic: string) => { command: string; args: string[]; stdinFile?: string }): Promise<{ run: ProcessRun; delivered: number; rate: number }> {
  const { broker } = ctx;
  const root = `bench/${tag}`;
  await runMeasured({ command: 'mosquitto_pub', args: ['-h', broker.host, '-p', String(broker.port), '-t', `${root}/ready`, '-r', '-m', 'ready'] });
  const counted = join(ctx.dir, `${tag}.sub.txt`);
  const sub = startMeasured({
    command: 'mosquitto_sub',
    args: ['-h', broker.host, '-p', String(broker.port), '-t', `${root}/#`, '-q', String(qos), '-C', String(rows + 1), '-W', '120', '-F', '%U %t'],
    stdoutFile: counted,
  });
  await waitFor(() => statSync(counted).size > 0, 10_000, 'the counting subscriber');
  const spec = publisher(`${root}/t`);
  const spawnedAt = Date.now();
  const run = await runMeasured(spec);
  // Wait for the subscriber to see everything (or give up after a quiet spell: drops are reported).
  let last = -1;
  let stableSince = Date.now();
  await waitFor(() => {
    const n = lineCount(counted);
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    }
    return n >= rows + 1 || Date.now() - stableSince > 3000;
  }, 180_000, 'deliveries');
  sub.kill('SIGTERM');
  await sub.done;
  await runMeasured({ command: 'mosquitto_pub', args: ['-h', broker.host, '-p', String(broker.port), '-t', `${root}/ready`, '-r', '-n'] });
  const delivered = lineCount(counted) - 1;
  return { run, delivered, rate: delivered / ((lastArrival(counted) - spawnedAt) / 1000) };
}

/**
 * `replay --max` against `mosquitto_pub -l` on its one connection, end to end at an independent
 * subscriber (publishOnce). With `connections`, replay spreads 16 sensors over that many client
 * connections (issue 14: "≥ 2× with N = 4, 0 lost").
 */
export async function publishCase(ctx: BenchContext, qos: 0 | 1 | 2, rows: number, target: number, connections?: number): Promise<CaseResult> {
  const spread = connections !== undefined;
  const profile = join(ctx.dir, spread ? `profile-sensors-${rows}.csv` : `profile-${rows}.csv`);
  const lines = join(ctx.dir, `lines-${rows}.txt`);
  await (spread ? writeSensorsProfile(profile, rows) : writeProfile(profile, rows));
  await writePlainLines(lines, rows);
  const what = spread ? `--max --connections ${connections}` : '--max';
  const tag = spread ? `pubc${connections}-q${qos}` : `pub-q${qos}`;
  const ours: number[] = [];
  const theirs: number[] = [];
  /** With --connections: the same lines from that many mosquitto_pub processes at once, the broker's own ceiling here. */
  const parallel: number[] = [];
  const quarters = spread ? splitLines(lines, connections) : [];
  let dropped = 0;
  let peakRssMb = 0;
  const { broker } = ctx;
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await publishOnce(ctx, `${tag}-st-${i}`, qos, rows, (topic) => ({
      command: ctx.cli.command,
      args: [...ctx.cli.args, 'replay', profile, '-t', spread ? topic.replace(/\/t$/, '/{sensor}') : topic, '-q', String(qos), ...what.split(' '), '-h', broker.host, '-p', String(broker.port), '--quiet', '--log', join(ctx.dir, `sent-${tag}-${i}.csv`)],
    }));
    if (a.run.code !== 0) throw new Error(`replay failed (exit ${a.run.code}): ${a.run.stderr.slice(0, 500)}`);
    ours.push(a.rate);
    peakRssMb = Math.max(peakRssMb, a.run.peakRssMb ?? 0);
    if (qos > 0) dropped += rows - a.delivered;
    const b = await publishOnce(ctx, `${tag}-mp-${i}`, qos, rows, (topic) => ({
      command: 'mosquitto_pub',
      args: ['-h', broker.host, '-p', String(broker.port), '-t', topic, '-q', String(qos), '-l'],
      stdinFile: lines,
    }));
    theirs.push(b.rate);
    ctx.log(`  publish ${what} q${qos} run ${i + 1}: sensortrace ${Math.round(ours.at(-1)!)} msg/s (${a.delivered}/${rows} delivered), mosquitto_pub ${Math.round(theirs.at(-1)!)} msg/s (${b.delivered}/${rows})`);
    if (spread) {
      const c = await publishOnce(ctx, `${tag}-mpn-${i}`, qos, rows, (topic) => ({
        command: 'sh',
        args: ['-c', `${quarters.map((file) => `mosquitto_pub -h ${broker.host} -p ${broker.port} -t ${topic} -q ${qos} -l < ${file} &`).join(' ')} wait`],
      }));
      parallel.push(c.rate);
      ctx.log(`    ${connections} mosquitto_pub -l at once (the broker and subscriber's ceiling here): ${Math.round(c.rate)} msg/s (${c.delivered}/${rows}), ${(c.rate / b.rate).toFixed(2)}× one`);
    }
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `publish ${rows / 1000}k rows, ${what}, QoS ${qos}`,
    ours: `replay ${what}`,
    baseline: `mosquitto_pub -l${qos ? ` -q ${qos}` : ''}${spread ? ' (one connection)' : ''}`,
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: `≥ ${target.toFixed(1)}×`,
    met: ratio >= target,
    dropped,
    peakRssMb,
    ...(spread ? { detail: { parallelMosquittoPubMsgPerS: Math.round(summarize(parallel).median), parallelVsOne: Number((summarize(parallel).median / baselineStats.median).toFixed(2)) } } : {}),
  };
}

/** The lines file cut into `parts` files of consecutive lines (one per parallel mosquitto_pub). */
function splitLines(path: string, parts: number): string[] {
  const all = readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
  const size = Math.ceil(all.length / parts);
  return Array.from({ length: parts }, (_, k) => {
    const part = `${path}.part${k + 1}of${parts}`;
    writeFileSync(part, all.slice(k * size, (k + 1) * size).map((line) => `${line}\n`).join(''));
    return part;
  });
}

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
