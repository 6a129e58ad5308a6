import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MosquittoBroker } from '../../src/io/broker/mosquitto-broker.js';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { runMeasured, summarize, waitFor } from '../measure.js';

/**
 * A live burst into a default-config Mosquitto: max_queued_messages 1000 per subscriber and
 * max_inflight_messages 20, the settings people run. A subscriber that takes messages in more
 * slowly than the publisher sends them sees its queue pass 1000 while its in-flight window is
 * full, and Mosquitto drops the rest ("Outgoing messages are being dropped"). The drain cases
 * (trace.ts) cannot show this: their broker queues without limit.
 *
 * Each run starts a fresh broker on a free port, then trace and mosquitto_sub at the same moment
 * (both cold), waits for the broker to log both subscriptions, and fires `mosquitto_pub -l` at
 * them. Both see the same burst on the same machine at the same time, so the machine's load
 * falls on both alike. Rows each recorded are counted from their files.
 *
 * `--trace-before <dist/cli/bin.js>` adds a third subscriber to the same burst: an older build
 * of trace, for a before/after figure from the same run.
 */

interface Subscriber {
  name: string;
  id: string;
  out: string;
  /** Rows in the file that are not messages (trace's CSV header). */
  headerLines: number;
  child?: ChildProcess;
  exited?: Promise<void>;
}

interface BurstRun {
  rows: Record<string, number>;
  /** Clients Mosquitto logged dropping messages for. */
  droppedFor: string[];
  publishRate: number;
  subscribedMs: Record<string, number>;
}

const TOPIC_ROOT = 'bench/live';

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  return text.length === 0 ? 0 : text.split('\n').length - 1;
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function argValue(flag: string): string | undefined {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function traceBefore(): string | undefined {
  return argValue('--trace-before');
}

/** `--burst-runs N`: runs per case (default: the bench's repeats). */
function burstRuns(ctx: BenchContext): number {
  const runs = Number(argValue('--burst-runs'));
  return Number.isInteger(runs) && runs > 0 ? runs : ctx.repeats;
}

/** `--trace-node-args "<flags>"`: Node flags for trace (e.g. --cpu-prof, --trace-gc); its stdout goes to <tag>.trace.stdout. */
const traceNodeArgs = argValue('--trace-node-args')?.split(' ').filter(Boolean) ?? [];

/** `--burst-log`: Mosquitto logs every packet (log_type all), kept in the run's folder for a post-mortem. */
const fullLog = process.argv.includes('--burst-log');

/** Started directly (not under GNU time): a signal reaches the subscriber itself, and its exit is its own. */
function spawnSubscriber(ctx: BenchContext, broker: MosquittoBroker, sub: Subscriber, qos: number, rows: number, cli: string[]): void {
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const topic = `${TOPIC_ROOT}/#`;
  const [command, args] =
    sub.name === 'mosquitto_sub'
      ? ['mosquitto_sub', [...hp, '-t', topic, '-q', String(qos), '-i', sub.id, '-C', String(rows), '-F', '%U,%t,%p']]
      : [ctx.cli.command, [...(sub.name === 'trace' ? traceNodeArgs : []), ...cli, 'trace', ...hp, '-t', topic, '-q', String(qos), '-i', sub.id, '-C', String(rows), '--quiet', '-o', sub.out]];
  const stdout = sub.name === 'mosquitto_sub' ? openSync(sub.out, 'w') : sub.name === 'trace' && traceNodeArgs.length ? openSync(sub.out.replace(/\.csv$/, '.stdout'), 'w') : 'ignore';
  const child = spawn(command as string, args as string[], { stdio: ['ignore', stdout, 'inherit'] });
  if (typeof stdout === 'number') closeSync(stdout);
  sub.child = child;
  sub.exited = new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Resolves once the broker has logged every subscriber's SUBSCRIBE (log_type subscribe: "<id> <qos> <filter>"). */
async function subscribed(broker: MosquittoBroker, subs: Subscriber[], qos: number, startedAt: number, at: Record<string, number>): Promise<void> {
  await waitFor(() => {
    const log = existsSync(broker.logPath) ? readFileSync(broker.logPath, 'utf8') : '';
    for (const sub of subs) if (at[sub.name] === undefined && log.includes(`: ${sub.id} ${qos} ${TOPIC_ROOT}/#`)) at[sub.name] = Date.now() - startedAt;
    return subs.every((s) => at[s.name] !== undefined);
  }, 30_000, 'both subscriptions');
}

/** After the publisher: each subscriber stops by count, or is stopped once its file has been still for 2 s. */
async function settle(subs: Subscriber[]): Promise<void> {
  const sizes = new Map<Subscriber, { size: number; since: number }>();
  await waitFor(() => {
    let running = 0;
    for (const sub of subs) {
      const child = sub.child!;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      running++;
      const size = fileSize(sub.out);
      const seen = sizes.get(sub);
      if (!seen || seen.size !== size) sizes.set(sub, { size, since: Date.now() });
      else if (Date.now() - seen.since > 2000) child.kill('SIGTERM');
    }
    return running === 0;
  }, 300_000, 'the subscribers to finish');
  await Promise.all(subs.map((s) => s.exited));
}

async function burstOnce(ctx: BenchContext, qos: 0 | 1 | 2, rows: number, run: number, lines: string): Promise<BurstRun> {
  const tag = `live-${rows}-q${qos}-${run}`;
  const broker = new MosquittoBroker({ dir: join(ctx.dir, tag), persistence: false, extraConfig: fullLog ? ['log_type all'] : ['log_type subscribe'] });
  const subs: Subscriber[] = [
    { name: 'trace', id: `${tag}-trace`, out: join(ctx.dir, `${tag}.trace.csv`), headerLines: 1 },
    { name: 'mosquitto_sub', id: `${tag}-sub`, out: join(ctx.dir, `${tag}.sub.txt`), headerLines: 0 },
  ];
  const before = traceBefore();
  if (before) subs.push({ name: 'trace (before)', id: `${tag}-before`, out: join(ctx.dir, `${tag}.before.csv`), headerLines: 1 });
  // Who starts first alternates from run to run: neither gets a head start every time.
  const order = run % 2 ? [...subs].reverse() : subs;
  await broker.start();
  try {
    const startedAt = Date.now();
    for (const sub of order) spawnSubscriber(ctx, broker, sub, qos, rows, sub.name === 'trace (before)' ? [before!] : ctx.cli.args);
    const subscribedMs: Record<string, number> = {};
    await subscribed(broker, subs, qos, startedAt, subscribedMs);
    const publishStart = performance.now();
    const pub = await runMeasured({ command: 'mosquitto_pub', args: ['-h', broker.host, '-p', String(broker.port), '-t', `${TOPIC_ROOT}/data`, '-q', String(qos), '-l'], stdinFile: lines });
    const publishRate = rows / ((performance.now() - publishStart) / 1000);
    if (pub.code !== 0) throw new Error(`mosquitto_pub failed: ${pub.stderr.slice(0, 300)}`);
    await settle(subs);
    const log = readFileSync(broker.logPath, 'utf8');
    const droppedFor = subs.filter((s) => log.includes(`dropped for client ${s.id}`)).map((s) => s.name);
    const counted = Object.fromEntries(subs.map((s) => [s.name, Math.max(0, lineCount(s.out) - s.headerLines)]));
    return { rows: counted, droppedFor, publishRate, subscribedMs };
  } finally {
    for (const sub of subs) if (sub.child?.exitCode === null && sub.child.signalCode === null) sub.child.kill('SIGKILL');
    await broker.stop('crash');
  }
}

export async function liveBurstCase(ctx: BenchContext, qos: 0 | 1 | 2, rows: number): Promise<CaseResult> {
  const lines = join(ctx.dir, `live-lines-${rows}.txt`);
  await writePlainLines(lines, rows);
  const runs: BurstRun[] = [];
  for (let i = 0; i < burstRuns(ctx); i++) {
    const r = await burstOnce(ctx, qos, rows, i, lines);
    runs.push(r);
    const counts = Object.entries(r.rows).map(([name, n]) => `${name} ${n}/${rows}`).join(', ');
    const ready = Object.entries(r.subscribedMs).map(([name, ms]) => `${name} ${ms} ms`).join(', ');
    ctx.log(`  live burst ${rows} q${qos} run ${i + 1}: ${counts}; publisher ${Math.round(r.publishRate)} msg/s; subscribed after ${ready}; broker dropped for: ${r.droppedFor.join(', ') || 'nobody'}`);
  }
  const ours = runs.map((r) => r.rows.trace ?? 0);
  const theirs = runs.map((r) => r.rows.mosquitto_sub ?? 0);
  // What mosquitto_sub kept and trace did not, run by run: the target is none.
  const dropped = runs.reduce((sum, r) => sum + Math.max(0, (r.rows.mosquitto_sub ?? 0) - (r.rows.trace ?? 0)), 0);
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const detail: Record<string, unknown> = { runs };
  if (traceBefore()) detail.beforeStats = summarize(runs.map((r) => r.rows['trace (before)'] ?? 0));
  return {
    name: `live burst ${rows / 1000}k into a default Mosquitto, QoS ${qos}`,
    ours: 'trace -o file.csv',
    baseline: "mosquitto_sub -F '%U,%t,%p' > file",
    unit: `rows of ${rows}`,
    oursStats,
    baselineStats,
    ratio: oursStats.median / baselineStats.median,
    target: '= mosquitto_sub, 0 dropped',
    met: dropped === 0,
    dropped,
    detail,
  };
}

/** The live-burst cases for run.ts: every size at QoS 0, 1 and 2. */
export function liveBurstCases(ctx: BenchContext, sizes: number[]): { name: string; run: () => Promise<CaseResult> }[] {
  return sizes.flatMap((rows) => ([0, 1, 2] as const).map((qos) => ({ name: `live burst ${rows / 1000}k QoS ${qos}`, run: () => liveBurstCase(ctx, qos, rows) })));
}
