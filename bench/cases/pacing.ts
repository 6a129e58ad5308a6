import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { readCsvRecords } from '../../src/io/csv/csv-file-reader.js';
import { systemClock } from '../../src/io/clock.js';
import { percentile, runMeasured, summarize } from '../measure.js';
import { writeProfile } from '../data.js';

/** Pacing error (published_at − planned_at, ms) of every row of a sent log. */
async function pacingErrors(sentLog: string): Promise<{ errors: number[]; drift: number }> {
  const errors: number[] = [];
  let header: string[] | undefined;
  for await (const record of readCsvRecords(sentLog, { partialLastLine: 'skip' })) {
    if (!header) {
      header = record.cells;
      continue;
    }
    const planned = Number(record.cells[header.indexOf('planned_at')]);
    const published = Number(record.cells[header.indexOf('published_at')]);
    if (Number.isFinite(planned) && Number.isFinite(published)) errors.push(published - planned);
  }
  // Drift: how much later the last tenth runs than the first tenth (0 for an absolute schedule).
  const tenth = Math.max(1, Math.floor(errors.length / 10));
  const head = summarize(errors.slice(0, tenth)).median;
  const tail = summarize(errors.slice(-tenth)).median;
  return { errors, drift: tail - head };
}

/** The floor: the same schedule through the same clock (a timer, then a futex wait) with nothing else to do. */
async function floorErrors(rateHz: number, count: number): Promise<number[]> {
  const start = systemClock.now() + 50;
  const errors: number[] = [];
  for (let i = 0; i < count; i++) {
    const planned = start + (i * 1000) / rateHz;
    await systemClock.sleepUntil(planned);
    errors.push(systemClock.now() - planned);
  }
  return errors;
}

export async function pacingCase(ctx: BenchContext, rateHz: number, seconds: number): Promise<CaseResult> {
  const rows = rateHz * seconds;
  const profile = join(ctx.dir, `pacing-${rows}.csv`);
  await writeProfile(profile, rows);
  const { broker } = ctx;
  const p99s: number[] = [];
  const floors: number[] = [];
  let drift = 0;
  let peakRssMb = 0;
  let dropped = 0;
  let cpuShare = 0;
  for (let i = 0; i < ctx.repeats; i++) {
    const log = join(ctx.dir, `pacing-${rateHz}-${i}.csv`);
    const run = await runMeasured({
      command: ctx.cli.command,
      args: [...ctx.cli.args, 'replay', profile, '-t', `bench/pacing/${rateHz}`, '-q', '0', '--rate', String(rateHz), '-h', broker.host, '-p', String(broker.port), '--quiet', '--log', log],
    });
    if (run.code !== 0) throw new Error(`replay --rate failed: ${run.stderr.slice(0, 300)}`);
    peakRssMb = Math.max(peakRssMb, run.peakRssMb ?? 0);
    // Pacing must not buy its precision with a busy core: the share of one core replay used.
    cpuShare = Math.max(cpuShare, (run.cpuMs ?? 0) / run.wallMs);
    const measured = await pacingErrors(log);
    dropped += rows - measured.errors.length;
    const sorted = [...measured.errors].sort((a, b) => a - b);
    p99s.push(percentile(sorted, 99));
    drift = Math.max(drift, Math.abs(measured.drift));
    const floor = (await floorErrors(rateHz, Math.min(rows, rateHz * 5))).sort((a, b) => a - b);
    floors.push(percentile(floor, 99));
    ctx.log(`  pacing ${rateHz} Hz run ${i + 1}: p99 error ${p99s.at(-1)!.toFixed(3)} ms (floor ${floors.at(-1)!.toFixed(3)} ms), drift ${measured.drift.toFixed(3)} ms, CPU ${((run.cpuMs ?? 0) / run.wallMs * 100).toFixed(0)} % of a core`);
  }
  const oursStats = summarize(p99s);
  const baselineStats = summarize(floors);
  return {
    name: `paced replay at ${rateHz} msg/s for ${seconds} s`,
    ours: `replay --rate ${rateHz}`,
    baseline: 'bare timer loop (setTimeout, then futex wait)',
    unit: 'p99 error ms',
    oursStats,
    baselineStats,
    ratio: baselineStats.median / oursStats.median,
    target: 'p99 ≤ 1.5× the floor, no drift, CPU < 25 % of a core',
    met: oursStats.median <= 1.5 * baselineStats.median && drift < 1 && cpuShare < 0.25,
    dropped,
    peakRssMb,
    detail: { driftMs: drift, cpuShareOfCore: cpuShare },
  };
}
