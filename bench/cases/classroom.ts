import { join } from 'node:path';
import type { BenchContext, CaseResult } from '../context.js';
import { writePlainLines, writeProfile } from '../data.js';
import { runMeasured, summarize } from '../measure.js';

/** Exercise 8 by hand: one mosquitto_pub process per row, in a shell loop. */
export async function classroomCase(ctx: BenchContext, rows: number): Promise<CaseResult> {
  const profile = join(ctx.dir, `classroom-${rows}.csv`);
  const lines = join(ctx.dir, `classroom-${rows}.txt`);
  await writeProfile(profile, rows);
  await writePlainLines(lines, rows);
  const { broker } = ctx;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < ctx.repeats; i++) {
    const a = await runMeasured({ command: ctx.cli.command, args: [...ctx.cli.args, 'replay', profile, '-t', 'bench/classroom', '-q', '1', '--max', '-h', broker.host, '-p', String(broker.port), '--quiet'] });
    if (a.code !== 0) throw new Error(`replay failed: ${a.stderr.slice(0, 300)}`);
    ours.push(rows / (a.wallMs / 1000));
    const b = await runMeasured({ command: 'bash', args: ['-c', `while read -r line; do mosquitto_pub -h ${broker.host} -p ${broker.port} -q 1 -t bench/classroom -m "$line"; done < ${lines}`] });
    theirs.push(rows / (b.wallMs / 1000));
  }
  const oursStats = summarize(ours);
  const baselineStats = summarize(theirs);
  return {
    name: `end-to-end classroom way, ${rows} rows (exercise 8 by hand)`,
    ours: 'replay --max -q 1',
    baseline: 'shell loop of mosquitto_pub -m per row',
    unit: 'msg/s',
    oursStats,
    baselineStats,
    ratio: oursStats.median / baselineStats.median,
    target: 'report (expect > 100×)',
    met: undefined,
    dropped: 0,
  };
}
