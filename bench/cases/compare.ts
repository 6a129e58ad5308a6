import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writeSentAndTrace } from '../data.js';
import { runMeasured, summarize } from '../measure.js';

/** compare of N sent vs N received with every output, against sort+join of the same files. */
export async function compareCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const sent = join(ctx.dir, `cmp-sent-${rows}.csv`);
  const trace = join(ctx.dir, `cmp-trace-${rows}.csv`);
  const truth = await writeSentAndTrace(sent, trace, rows);
  const ours: number[] = [];
  const theirs: number[] = [];
  let peakRssMb = 0;
  let wrong = 0;
  for (let i = 0; i < Math.min(ctx.repeats, 2); i++) {
    const out = join(ctx.dir, `cmp-${rows}-${i}`);
    const a = await runMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'compare', '--sent', sent, '--received', trace, '-o', out, '--format', 'svg,png,gp,json'] });
    if (a.code !== 0) throw new Error(`compare failed: ${a.stderr.slice(0, 500)}`);
    const report = JSON.parse((await import('node:fs')).readFileSync(`${out}.json`, 'utf8')) as { lost: number; duplicates: number };
    if (report.lost !== truth.lost || report.duplicates !== truth.duplicates) wrong++;
    ours.push(a.wallMs);
    peakRssMb = Math.max(peakRssMb, a.peakRssMb ?? 0);
    const b = await runMeasured({
      command: 'bash',
      args: ['-c', `LC_ALL=C join -t, -1 1 -2 7 <(tail -n +2 ${sent} | LC_ALL=C sort -t, -k1,1) <(tail -n +2 ${trace} | LC_ALL=C sort -t, -k7,7) > /dev/null`],
    });
    theirs.push(b.wallMs);
    ctx.log(`  compare ${rows} run ${i + 1}: sensortrace ${(a.wallMs / 1000).toFixed(2)} s (${(a.peakRssMb ?? 0).toFixed(0)} MB), sort+join ${(b.wallMs / 1000).toFixed(2)} s`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  const slowdown = oursStats.median / baselineStats.median;
  return {
    name: `compare ${rows / 1000}k sent vs ${rows / 1000}k received + SVG + PNG + gnuplot`,
    ours: 'compare',
    baseline: 'sort + join (coreutils)',
    unit: 'ms',
    oursStats,
    baselineStats,
    ratio: baselineStats.median / oursStats.median,
    // Fixed costs (start-up, loading vega, drawing) outweigh 100k rows' work; the target is for 1M.
    target: ctx.quick ? '≤ 3× join, RSS ≤ 500 MB (checked at 1M)' : '≤ 3× join time, RSS ≤ 500 MB',
    met: ctx.quick ? undefined : slowdown <= 3 && peakRssMb <= 500,
    dropped: wrong,
    peakRssMb,
    detail: { slowdown, expectedLost: truth.lost, expectedDuplicates: truth.duplicates, wrongReports: wrong },
  };
}
