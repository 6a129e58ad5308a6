import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writeSentAndTrace } from '../data.js';
import { summarize } from '../measure.js';
import { runTimed } from './duckdb-run.js';

/** Above this the in-memory engine is not run as the baseline (10M × 10M took 1.86 GB; 100M would not fit). */
const IN_MEMORY_LIMIT = 20_000_000;

/**
 * compare --engine duckdb on N sent vs N received (CSV), JSON report only, DuckDB's memory limit
 * at 2 GB so a larger input spills; against the in-memory engine on the same files (when it fits).
 * Both reports must equal each other and the planted losses/duplicates.
 */
export async function duckdbCompareCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const sent = join(ctx.dir, `duck-sent-${rows}.csv`);
  const trace = join(ctx.dir, `duck-trace-${rows}.csv`);
  const generated = performance.now();
  const truth = await writeSentAndTrace(sent, trace, rows);
  ctx.log(`  generated ${rows} + ${rows} rows in ${((performance.now() - generated) / 1000).toFixed(1)} s`);
  const reportOf = (base: string): Record<string, unknown> => {
    const { inputs: _inputs, ...report } = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Record<string, unknown>;
    return report;
  };
  const ours: number[] = [];
  const theirs: number[] = [];
  let peakRssMb = 0;
  let baselineRssMb = 0;
  let wrong = 0;
  const [cpu, baselineCpu]: [number[], number[]] = [[], []];
  for (let i = 0; i < Math.min(ctx.repeats, rows > 5_000_000 ? 1 : 2); i++) {
    const out = join(ctx.dir, `duck-${rows}-${i}`);
    const a = await runTimed(ctx.cli.command, [...ctx.cli.args, 'compare', '--sent', sent, '--received', trace, '--engine', 'duckdb', '--memory-limit', '2GB', '-o', out, '--format', 'json'], `${out}.time`);
    if (a.code !== 0) throw new Error(`compare --engine duckdb failed: ${a.stderr.slice(0, 500)}`);
    const report = reportOf(out) as { lost: number; duplicates: number };
    if (report.lost !== truth.lost || report.duplicates !== truth.duplicates) wrong++;
    ours.push(a.wallMs);
    peakRssMb = Math.max(peakRssMb, a.peakRssMb);
    cpu.push(a.cpuS);
    let line = `  duckdb ${rows} run ${i + 1}: ${(a.wallMs / 1000).toFixed(1)} s (CPU ${a.cpuS.toFixed(1)} s), peak RSS ${a.peakRssMb.toFixed(0)} MB`;
    if (rows <= IN_MEMORY_LIMIT) {
      const memOut = join(ctx.dir, `mem-${rows}-${i}`);
      const b = await runTimed(ctx.cli.command, [...ctx.cli.args, 'compare', '--sent', sent, '--received', trace, '-o', memOut, '--format', 'json'], `${memOut}.time`);
      if (b.code !== 0) throw new Error(`compare (in memory) failed: ${b.stderr.slice(0, 500)}`);
      if (JSON.stringify(reportOf(memOut)) !== JSON.stringify(reportOf(out))) wrong++;
      theirs.push(b.wallMs);
      baselineRssMb = Math.max(baselineRssMb, b.peakRssMb);
      baselineCpu.push(b.cpuS);
      line += `; in memory ${(b.wallMs / 1000).toFixed(1)} s (CPU ${b.cpuS.toFixed(1)} s), peak RSS ${b.peakRssMb.toFixed(0)} MB`;
    }
    ctx.log(line);
  }
  rmSync(sent, { force: true });
  rmSync(trace, { force: true });
  const oursStats = summarize(ours);
  const baselineStats = theirs.length ? summarize(theirs) : oursStats;
  return {
    name: `compare --engine duckdb ${rows / 1e6}M sent vs ${rows / 1e6}M received (JSON)`,
    ours: 'compare --engine duckdb',
    baseline: theirs.length ? 'compare (in-memory engine)' : '(in-memory engine does not fit)',
    unit: 'ms',
    oursStats,
    baselineStats,
    ratio: baselineStats.median / oursStats.median,
    target: 'peak RSS ≤ 4 GB, report = in-memory engine',
    met: peakRssMb <= 4096 && wrong === 0,
    dropped: wrong,
    peakRssMb,
    detail: { rows, cpuS: cpu, baselineCpuS: baselineCpu, baselineRssMb, expectedLost: truth.lost, expectedDuplicates: truth.duplicates, wrongReports: wrong },
  };
}
