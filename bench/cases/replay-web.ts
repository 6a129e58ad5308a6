import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writeProfile } from '../data.js';
import { startMeasured, summarize, waitFor } from '../measure.js';

/** Messages per second from a sent log: rows ÷ (last acked_at − first published_at). */
function sentLogRate(path: string): { rate: number; acked: number } {
  let first = Infinity;
  let last = -Infinity;
  let acked = 0;
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
    const cells = line.split(',');
    const published = Number(cells[8]);
    const ack = Number(cells[9]);
    if (cells[8] && published < first) first = published;
    if (cells[9] && Number.isFinite(ack)) {
      acked++;
      if (ack > last) last = ack;
    }
  }
  return { rate: acked / ((last - first) / 1000), acked };
}

/** Reads the event stream like an open tab: counts frames. */
function tab(url: string): { frames: () => number; stop: () => void } {
  let frames = 0;
  const req = get(`${url}events`, (res) => res.on('data', (d: Buffer) => (frames += (d.toString().match(/\n\n/g) ?? []).length)));
  req.on('error', () => undefined);
  return { frames: () => frames, stop: () => req.destroy() };
}

async function replayOnce(ctx: BenchContext, web: boolean, profile: string, run: number): Promise<{ rate: number; acked: number; frames: number; peakRssMb: number }> {
  const { broker } = ctx;
  const log = join(ctx.dir, `replay-web-${web ? 'web' : 'plain'}-${run}.csv`);
  const args = [...ctx.cli.args, 'replay', profile, '-t', `bench/replay-web/${run}/t`, '-q', '1', '--max', '--clean', '-h', broker.host, '-p', String(broker.port), '--quiet', '--log', log, ...(web ? ['--web', '0'] : [])];
  const replay = startMeasured({ command: ctx.cli.command, args });
  let reader: ReturnType<typeof tab> | undefined;
  if (web) {
    await waitFor(() => /live page: (\S+)/.test(replay.stderr()), 10_000, 'the live page');
    reader = tab(/live page: (\S+)/.exec(replay.stderr())![1]!);
  }
  const done = await replay.done;
  reader?.stop();
  if (done.code !== 0) throw new Error(`replay${web ? ' --web' : ''} failed: ${done.stderr.slice(0, 300)}`);
  return { ...sentLogRate(log), frames: reader?.frames() ?? 0, peakRssMb: done.peakRssMb ?? 0 };
}

/**
 * replay --max at QoS 1 with and without its live page (one tab reading the stream): the page
 * reads the counts replay samples anyway and adds one histogram update a send, so the publish
 * rate must not drop.
 */
export async function replayWebCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const profile = join(ctx.dir, `replay-web-${rows}.csv`);
  await writeProfile(profile, rows);
  const rates = { plain: [] as number[], web: [] as number[] };
  const rss = { plain: 0, web: 0 };
  let dropped = 0;
  for (let i = 0; i < ctx.repeats; i++) {
    for (const web of [false, true]) {
      const r = await replayOnce(ctx, web, profile, i);
      const key = web ? 'web' : 'plain';
      rates[key].push(r.rate);
      rss[key] = Math.max(rss[key], r.peakRssMb);
      dropped += rows - r.acked;
      ctx.log(`  replay${web ? ' --web' : ''} run ${i + 1}: ${Math.round(r.rate)} msg/s acknowledged (${r.acked}/${rows})${web ? `, ${r.frames} frames to the tab` : ''}, peak RSS ${Math.round(r.peakRssMb)} MB`);
    }
  }
  const oursStats = summarize(rates.web);
  const baselineStats = summarize(rates.plain);
  const ratio = oursStats.median / baselineStats.median;
  return {
    name: `publish ${rows / 1000}k with replay's live page open, QoS 1 --max`,
    ours: 'replay --max --web 0 (one tab reading)',
    baseline: 'replay --max',
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio,
    target: '≥ 0.9×, 0 unacknowledged',
    met: ratio >= 0.9 && dropped === 0,
    dropped,
    peakRssMb: rss.web,
    detail: { peakRssMb: rss },
  };
}
