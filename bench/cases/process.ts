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
async function throughOnce(ctx: BenchContext, rows: number, input: string, withProcessor: boolean, run: number): Promise<{ rate: number; delivered: number; peakRssMb?: number }> {
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
  const startedAt = Date.now();
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', inTopic, '-l'], stdinFile: input });
  const done = await sub.done;
  const times = arrivals(counted).slice(preamble);
  // It stops by itself after `rows` inputs (so GNU time reports its peak RSS); a stuck one is stopped.
  const stopTimer = setTimeout(() => processor?.kill('SIGTERM'), 5000);
  const proc = processor ? await processor.done : undefined;
  clearTimeout(stopTimer);
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
