import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { median, runMeasured, startMeasured, summarize, waitFor } from '../measure.js';

/** A process's CPU time so far (ms), from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
  } catch {
    return undefined;
  }
}

/** The CPU time so far of the program GNU time runs (its only child), so the processor's start-up can be left out. */
function measuredCpuMs(timePid: number | undefined): number | undefined {
  try {
    const child = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(' ')[0];
    return cpuMsOf(Number(child));
  } catch {
    return undefined;
  }
}

/** CPU µs per event of each process on the path (same run): where the 2 cores go. */
interface CpuPerEvent {
  /** From the first publish to its exit: without its start-up (loading, connecting: ≈0.4 s). */
  processor?: number;
  subscriber?: number;
  broker?: number;
}

function arrivals(path: string): number[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.split(' ')[0]) * 1000);
}

/**
 * Events in → events out per second through `process rules/sin.yaml` (exercise 14), against the
 * ceiling: the same stream straight from mosquitto_pub to mosquitto_sub with nothing between.
 * Rate = messages ÷ (last arrival − publish start), as seen by an independent subscriber.
 */
async function throughOnce(ctx: BenchContext, rows: number, input: string, withProcessor: boolean, run: number): Promise<{ rate: number; delivered: number; peakRssMb?: number; cpu: CpuPerEvent }> {
  const { broker } = ctx;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const inTopic = 'cep/x';
  const outTopic = withProcessor ? 'cep/sin' : 'cep/x';
  const counted = join(ctx.dir, `cep-${withProcessor ? 'sin' : 'direct'}-${run}.txt`);
  // Ready signals without sleeping: the counting subscriber gets a retained marker as soon as it
  // is subscribed; the processor says "listening" once its SUBACK is in (it ignores retained,
  // i.e. stale, input, so a retained X would not do).
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${outTopic}-ready`, '-r', '-m', 'ready'] });
  const preamble = 1;
  const expected = rows + preamble;
  const sub = startMeasured({ command: 'mosquitto_sub', args: [...hp, '-t', outTopic, '-t', `${outTopic}-ready`, '-C', String(expected), '-W', '120', '-F', '%U'], stdoutFile: counted });
  const processor = withProcessor ? startMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'process', join(ctx.root, 'rules/sin.yaml'), ...hp, '-C', String(rows)] }) : undefined;
  try {
    await waitFor(() => statSync(counted).size > 0, 15_000, 'the subscriber');
    if (processor) await waitFor(() => processor.stderr().includes('listening on'), 15_000, 'the processor');
  } catch (error) {
    sub.kill('SIGKILL');
    processor?.kill('SIGKILL');
    throw error;
  }
  const brokerBefore = cpuMsOf(broker.pid);
  const processorBefore = processor ? measuredCpuMs(processor.child.pid) : undefined;
  const startedAt = Date.now();
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', inTopic, '-l'], stdinFile: input });
  const done = await sub.done;
  const brokerAfter = cpuMsOf(broker.pid);
  const times = arrivals(counted).slice(preamble);
  // It stops by itself after `rows` inputs (so GNU time reports its peak RSS); a stuck one is stopped.
  const stopTimer = setTimeout(() => processor?.kill('SIGTERM'), 5000);
  const proc = processor ? await processor.done : undefined;
  clearTimeout(stopTimer);
  if (done.code !== 0 && times.length < rows) ctx.log(`  (subscriber stopped after ${times.length}/${rows})`);
  const cpu: CpuPerEvent = {};
  // Its whole CPU time (GNU time) less what its start had taken: the events and its stop.
  if (processorBefore !== undefined && proc?.cpuMs !== undefined) cpu.processor = ((proc.cpuMs - processorBefore) * 1000) / rows;
  if (done.cpuMs !== undefined) cpu.subscriber = (done.cpuMs * 1000) / rows;
  if (brokerBefore !== undefined && brokerAfter !== undefined) cpu.broker = ((brokerAfter - brokerBefore) * 1000) / rows;
  const result: { rate: number; delivered: number; peakRssMb?: number; cpu: CpuPerEvent } = { rate: times.length / ((times.at(-1)! - startedAt) / 1000), delivered: times.length, cpu };
  if (proc?.peakRssMb !== undefined) result.peakRssMb = proc.peakRssMb;
  return result;
}

export async function processCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const lines = join(ctx.dir, `cep-${rows}.txt`);
  await writePlainLines(lines, rows);
  const ours: number[] = [];
  const theirs: number[] = [];
  let peakRssMb = 0;
  let delivered = 0;
  const cpuOurs: CpuPerEvent[] = [];
  const cpuDirect: CpuPerEvent[] = [];
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await throughOnce(ctx, rows, lines, true, i);
    const b = await throughOnce(ctx, rows, lines, false, i);
    ours.push(a.rate);
    theirs.push(b.rate);
    delivered = a.delivered;
    cpuOurs.push(a.cpu);
    cpuDirect.push(b.cpu);
    peakRssMb = Math.max(peakRssMb, a.peakRssMb ?? 0);
    ctx.log(`  process run ${i + 1}: sin(X) ${Math.round(a.rate)} events/s (${a.delivered}/${rows}), direct ${Math.round(b.rate)} msg/s (${b.delivered}/${rows})`);
    ctx.log(`    CPU µs per event: processor ${show(a.cpu.processor)}, broker ${show(a.cpu.broker)} (direct: ${show(b.cpu.broker)}), mosquitto_sub ${show(a.cpu.subscriber)} (direct: ${show(b.cpu.subscriber)})`);
  }
  const cpuMedian = (runs: CpuPerEvent[], key: keyof CpuPerEvent): number | undefined => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== undefined);
    return values.length ? Math.round(median(values) * 10) / 10 : undefined;
  };
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  return {
    name: `CEP sin(X), ${rows / 1000}k events in → out, QoS 0`,
    ours: 'process rules/sin.yaml',
    baseline: 'mosquitto_pub → mosquitto_sub, no processor (ceiling)',
    unit: 'events/s',
    oursStats,
    baselineStats,
    ratio: oursStats.median / baselineStats.median,
    target: '≥ 0.8× (issue 14)',
    met: oursStats.median / baselineStats.median >= 0.8,
    dropped: rows - delivered,
    peakRssMb,
    detail: {
      cpuUsPerEvent: {
        processor: cpuMedian(cpuOurs, 'processor'),
        brokerWithProcessor: cpuMedian(cpuOurs, 'broker'),
        brokerDirect: cpuMedian(cpuDirect, 'broker'),
        subscriberWithProcessor: cpuMedian(cpuOurs, 'subscriber'),
        subscriberDirect: cpuMedian(cpuDirect, 'subscriber'),
      },
    },
  };
}

function show(us: number | undefined): string {
  return us === undefined ? '?' : us.toFixed(1);
}
