import { rmSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startNodeRed, untilFlowAnswers } from '../../test/helpers/node-red.js';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { median, percentile, runMeasured, startMeasured, summarize, waitFor } from '../measure.js';

interface Processor {
  name: string;
  stop: () => Promise<void>;
}

/** sensortrace process rules/sin.yaml, or Node-RED running flows/sin.json: started, and answering on cep/sin. */
async function startProcessor(ctx: BenchContext, which: 'process' | 'node-red'): Promise<Processor> {
  const { broker } = ctx;
  if (which === 'node-red') {
    const red = await startNodeRed(join(ctx.root, 'flows/sin.json'), broker);
    await untilFlowAnswers(broker.url, [['cep/x', '0']], 'cep/sin');
    return { name: 'Node-RED flows/sin.json', stop: () => red.stop() };
  }
  const proc = startMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'process', join(ctx.root, 'rules/sin.yaml'), '-h', broker.host, '-p', String(broker.port)] });
  await waitFor(() => proc.stderr().includes('listening on'), 15_000, 'the processor');
  return {
    name: 'process rules/sin.yaml',
    stop: async () => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await proc.done;
      clearTimeout(timer);
    },
  };
}

/** `rows` plain readings from mosquitto_pub -l, as fast as it sends: events/s out, seen by mosquitto_sub. */
async function throughput(ctx: BenchContext, input: string, rows: number, tag: string): Promise<{ rate: number; delivered: number }> {
  const hp = ['-h', ctx.broker.host, '-p', String(ctx.broker.port)];
  const counted = join(ctx.dir, `node-red-${tag}.txt`);
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', 'cep/sin-ready', '-r', '-m', 'ready'] });
  const sub = startMeasured({ command: 'mosquitto_sub', args: [...hp, '-t', 'cep/sin', '-t', 'cep/sin-ready', '-C', String(rows + 1), '-W', '120', '-F', '%U'], stdoutFile: counted });
  await waitFor(() => statSync(counted).size > 0, 15_000, 'the subscriber');
  const startedAt = Date.now();
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', 'cep/x', '-l'], stdinFile: input });
  await sub.done;
  const times = readFileSync(counted, 'utf8').split('\n').filter(Boolean).slice(1).map((line) => Number(line) * 1000);
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', 'cep/sin-ready', '-r', '-n'] });
  return { rate: times.length / ((times.at(-1)! - startedAt) / 1000), delivered: times.length };
}

/** `n` json readings paced at `hz`, each stamped with its send time: latency = arrival − sent_at, in ms. */
async function latencies(url: string, n: number, hz: number): Promise<number[]> {
  const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const out: number[] = [];
  try {
    await sub.subscribeAsync('cep/sin');
    const all = new Promise<void>((ok) => {
      sub.on('message', (_topic, payload: Buffer) => {
        const sentAt = (JSON.parse(payload.toString()) as { sent_at: number }).sent_at;
        out.push(Date.now() - sentAt);
        if (out.length === n) ok();
      });
    });
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      const at = t0 + (i * 1000) / hz;
      if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
      const now = Date.now();
      pub.publish('cep/x', JSON.stringify({ seq: i + 1, sensor: 'bench', time: now, value: i / 100, sent_at: now }));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
  } finally {
    await sub.endAsync();
    await pub.endAsync();
  }
  return out.sort((a, b) => a - b);
}

/**
 * The same CEP job, sin(X) of every X (exercise 14), done by `process rules/sin.yaml` and by the
 * Node-RED flow flows/sin.json (Node-RED 4, one function node), on the same input and broker:
 * throughput (mosquitto_pub -l as fast as it goes, events/s out) and latency p99 of a paced
 * json stream (send → derived arrival), interleaved runs. Ratio: process ÷ Node-RED throughput. Reported, no target.
 */
export async function nodeRedCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const input = join(ctx.dir, `node-red-${rows}.txt`);
  await writePlainLines(input, rows);
  const rates: Record<string, number[]> = { process: [], 'node-red': [] };
  const p99s: Record<string, number[]> = { process: [], 'node-red': [] };
  let dropped = 0;
  // Interleaved (process, Node-RED, process, …): only one of them runs at a time, as both answer on cep/sin.
  for (let i = 0; i < ctx.repeats; i++) {
    for (const which of ['process', 'node-red'] as const) {
      const processor = await startProcessor(ctx, which);
      try {
        const r = await throughput(ctx, input, rows, `${which}-${i}`);
        rates[which]!.push(r.rate);
        dropped += rows - r.delivered;
        const lat = await latencies(ctx.broker.url, 2000, 500);
        p99s[which]!.push(percentile(lat, 99));
        ctx.log(`  ${processor.name} run ${i + 1}: ${Math.round(r.rate)} events/s (${r.delivered}/${rows}); latency at 500/s p50 ${percentile(lat, 50).toFixed(1)} ms, p99 ${percentile(lat, 99).toFixed(1)} ms (${lat.length}/2000)`);
      } finally {
        await processor.stop();
      }
    }
  }
  const p99: Record<string, number> = { process: median(p99s.process!), 'node-red': median(p99s['node-red']!) };
  rmSync(input, { force: true });
  const oursStats = summarize(rates.process!);
  const baselineStats = summarize(rates['node-red']!);
  return {
    name: `CEP sin(X): process vs Node-RED, ${rows / 1000}k events, QoS 0`,
    ours: 'process rules/sin.yaml',
    baseline: 'Node-RED 4 flows/sin.json',
    unit: 'events/s',
    oursStats,
    baselineStats,
    ratio: oursStats.median / baselineStats.median,
    target: 'report',
    met: undefined,
    dropped,
    detail: { latency_p99_ms: p99 },
  };
}
