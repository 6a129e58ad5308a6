import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines } from '../data.js';
import { runMeasured, startMeasured, summarize, waitFor } from '../measure.js';

type Variant = 'plain' | 'web' | 'live';

/** received_at of the data rows of a trace CSV. */
function arrivalTimes(path: string): number[] {
  const out: number[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = Number(line.split(',')[0]);
    if (line.includes('/data,') && Number.isFinite(t)) out.push(t);
  }
  return out;
}

/** Reads the live page's event stream like an open tab; returns the frames seen and a stop. */
function sseReader(url: string): { frames: () => number; stop: () => void } {
  let frames = 0;
  // A frame ends with a blank line.
  const req = get(`${url}events`, (res) => res.on('data', (d: Buffer) => (frames += (d.toString().match(/\n\n/g) ?? []).length)));
  req.on('error', () => undefined); // the tool closes the stream when it stops
  return { frames: () => frames, stop: () => req.destroy() };
}

/**
 * trace's drain rate as in the trace case (a persistent session, N queued messages, then
 * drained as fast as it records), once without a view, once with --web and a tab reading the
 * event stream, once with --live (plain lines, stdout to a file): the view must not slow the write path.
 */
async function drainOnce(ctx: BenchContext, variant: Variant, rows: number, run: number, lines: string): Promise<{ rate: number; recorded: number; frames: number; peakRssMb?: number }> {
  const { broker } = ctx;
  const id = `bench-live-${variant}-${run}`;
  const root = `bench/live/${id}`;
  const hp = ['-h', broker.host, '-p', String(broker.port)];
  const out = join(ctx.dir, `${id}.csv`);
  const extra = variant === 'web' ? ['--web', '0'] : variant === 'live' ? ['--live'] : [];
  const args = (count: number): string[] => [...ctx.cli.args, 'trace', ...hp, '-t', `${root}/#`, '-q', '1', '-i', id, '--no-clean', '-C', String(count), '-W', '60', '--quiet', '-o', out, ...extra];
  await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${root}/hello`, '-r', '-m', 'hello'] });
  const created = await runMeasured({ command: ctx.cli.command, args: args(1) });
  if (created.code !== 0) throw new Error(`trace failed to create its session: ${created.stderr.slice(0, 300)}`);
  const pub = await runMeasured({ command: 'mosquitto_pub', args: [...hp, '-t', `${root}/data`, '-q', '1', '-l'], stdinFile: lines });
  if (pub.code !== 0) throw new Error(`mosquitto_pub failed: ${pub.stderr}`);
  const drain = startMeasured({ command: ctx.cli.command, args: args(rows + 1), stdoutFile: join(ctx.dir, `${id}.stdout`) });
  let reader: ReturnType<typeof sseReader> | undefined;
  if (variant === 'web') {
    await waitFor(() => /live page: (\S+)/.test(drain.stderr()), 10_000, 'the live page');
    reader = sseReader(/live page: (\S+)/.exec(drain.stderr())![1]!);
  }
  const done = await drain.done;
  reader?.stop();
  if (done.code !== 0) throw new Error(`trace ${variant} failed while draining: ${done.stderr.slice(0, 300)}`);
  const times = arrivalTimes(out);
  const result: { rate: number; recorded: number; frames: number; peakRssMb?: number } = { rate: (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000), recorded: times.length, frames: reader?.frames() ?? 0 };
  if (done.peakRssMb !== undefined) result.peakRssMb = done.peakRssMb;
  return result;
}

export async function liveCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const lines = join(ctx.dir, `live-lines-${rows}.txt`);
  await writePlainLines(lines, rows);
  const rates: Record<Variant, number[]> = { plain: [], web: [], live: [] };
  const rss: Record<Variant, number> = { plain: 0, web: 0, live: 0 };
  let dropped = 0;
  for (let i = 0; i < ctx.repeats; i++) {
    for (const variant of ['plain', 'web', 'live'] as const) {
      const r = await drainOnce(ctx, variant, rows, i, lines);
      rates[variant].push(r.rate);
      rss[variant] = Math.max(rss[variant], r.peakRssMb ?? 0);
      dropped += rows - r.recorded;
      ctx.log(`  live run ${i + 1}: trace${variant === 'plain' ? '' : ` --${variant}`} ${Math.round(r.rate)} msg/s (${r.recorded}/${rows})${variant === 'web' ? `, ${r.frames} frames to the tab` : ''}, peak RSS ${Math.round(r.peakRssMb ?? 0)} MB`);
    }
  }
  const oursStats = summarize(rates.web);
  const baselineStats = summarize(rates.plain);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `record ${rows / 1000}k arrivals with the live page open, QoS 1`,
    ours: 'trace -o file.csv --web 0 (one tab reading)',
    baseline: 'trace -o file.csv',
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: '≥ 0.9×, 0 dropped',
    met: ratio >= 0.9 && dropped === 0,
    dropped,
    peakRssMb: rss.web,
    detail: { liveMedian: summarize(rates.live).median, peakRssMb: rss },
  };
}
