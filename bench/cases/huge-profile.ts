import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { runMeasured, summarize } from '../measure.js';

/**
 * Bounded memory on a big profile: `replay --validate-only` streams the whole file (every row
 * parsed and checked, as before a real replay), against `wc -l` reading the same bytes.
 * Peak RSS must not grow with the file: the bound is what matters here, not the ratio.
 */
export async function hugeProfileCase(ctx: BenchContext, rows: number, rssBoundMb: number): Promise<CaseResult> {
  const profile = join(ctx.dir, `huge-${rows}.csv`);
  const made = await runMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'profile', 'generate', '-o', profile, '--sensors', '4', '--shape', 'long', '--rate', '10', '--duration', `${Math.ceil(rows / 40)}s`] });
  if (made.code !== 0) throw new Error(`profile generate failed: ${made.stderr.slice(0, 300)}`);
  const sizeMb = statSync(profile).size / 2 ** 20;
  const ours: number[] = [];
  const theirs: number[] = [];
  let peakRssMb = 0;
  for (let i = 0; i < Math.min(ctx.repeats, 2); i++) {
    const a = await runMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'replay', profile, '-t', 'bench/huge/{sensor}', '--validate-only'] });
    if (a.code !== 0) throw new Error(`replay --validate-only failed: ${a.stderr.slice(0, 300)}`);
    ours.push(a.wallMs);
    peakRssMb = Math.max(peakRssMb, a.peakRssMb ?? 0);
    const b = await runMeasured({ command: 'wc', args: ['-l', profile] });
    theirs.push(b.wallMs);
    ctx.log(`  validate ${rows} rows (${sizeMb.toFixed(0)} MB) run ${i + 1}: ${(a.wallMs / 1000).toFixed(2)} s, peak RSS ${(a.peakRssMb ?? 0).toFixed(0)} MB; wc -l ${(b.wallMs / 1000).toFixed(2)} s`);
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  return {
    name: `validate a ${(rows / 1e6).toFixed(rows < 1e6 ? 1 : 0)}M-row profile (${sizeMb.toFixed(0)} MB), bounded memory`,
    ours: 'replay --validate-only',
    baseline: 'wc -l (reads the bytes)',
    unit: 'ms',
    oursStats,
    baselineStats,
    ratio: baselineStats.median / oursStats.median,
    target: `peak RSS ≤ ${rssBoundMb} MB`,
    met: peakRssMb <= rssBoundMb,
    dropped: 0,
    peakRssMb,
    detail: { rows, sizeMb },
  };
}
