import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { runMeasured, startMeasured, summarize, waitFor } from '../measure.js';

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
async function throughOnce(ctx: BenchContext, rows: number, lines: string, withProcessor: boolean, run: number): Promise<{ rate: number; delivered: number; peakRssMb?: number }> {
  const { broker } = ctx;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const inTopic = 'cep/x';
  const outTopic = withProcessor ? 'cep/sin' : 'cep/x';
  const counted = join(ctx.dir, `cep-${withProcessor ? 'sin' : 'direct'}-${run}.txt`);
  // A retained X answers every new subscription at once: the ready signal, with no sleep.
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', inTopic, '-r', '-m', '0'] });
  const processor = withProcessor
    ? startMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'process', join(ctx.root, 'rules/sin.yaml'), ...hp, '--quiet', '-C', String(rows + 1)] })
    : undefined;
  const sub = startMeasured({ command: 'mosquitto_sub', args: [...hp, '-t', outTopic, '-C', String(rows + 1), '-W', '120', '-F', '%U'], stdoutFile: counted });
  await waitFor(() => statSync(counted).size > 0, 15_000, withProcessor ? 'the processor' : 'the subscriber');
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', inTopic, '-r', '-n'] });
  // The cleared retained message is not a number: process skips it and it is not counted.
  const startedAt = Date.now();
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', inTopic, '-l'], stdinFile: lines });
  const done = await sub.done;
  const times = arrivals(counted).slice(1);
  processor?.child.kill('SIGTERM');
  const proc = processor ? await processor.done : undefined;
  if (done.code !== 0 && times.length < rows) ctx.log(`  (subscriber stopped after ${times.length}/${rows})`);
  const result: { rate: number; delivered: number; peakRssMb?: number } = { rate: times.length / ((times.at(-1)! - startedAt) / 1000), delivered: times.length };
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
  for (let i = 0; i < Math.min(ctx.repeats, 2); i++) {
    const a = await throughOnce(ctx, rows, lines, true, i);
    const b = await throughOnce(ctx, rows, lines, false, i);
    ours.push(a.rate);
    theirs.push(b.rate);
    delivered = a.delivered;
    peakRssMb = Math.max(peakRssMb, a.peakRssMb ?? 0);
    ctx.log(`  process run ${i + 1}: sin(X) ${Math.round(a.rate)} events/s (${a.delivered}/${rows}), direct ${Math.round(b.rate)} msg/s (${b.delivered}/${rows})`);
  }
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
    target: 'report',
    met: undefined,
    dropped: rows - delivered,
    peakRssMb,
  };
}
