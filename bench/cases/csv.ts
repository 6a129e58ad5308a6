import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { cellText, csvLine, csvLineByLibrary } from '../../src/core/csv/csv.js';
import { readCsvBatches } from '../../src/io/csv/csv-file-reader.js';
import { readOwnLogBatches } from '../../src/io/csv/own-log-reader.js';
import type { BenchContext, CaseResult } from '../context.js';
import { writeSentAndTrace } from '../data.js';
import { summarize } from '../measure.js';

type Reader = typeof readCsvBatches;

async function timeRead(read: Reader, path: string): Promise<{ ms: number; records: number; cells: number }> {
  const start = performance.now();
  let records = 0;
  let cells = 0;
  // The library alone: csv-file-reader's own quote-free fast path (PlainLines) is off here.
  for await (const batch of read(path, { partialLastLine: 'skip', plainFastPath: false })) {
    records += batch.length;
    for (const r of batch) cells += r.cells.length;
  }
  return { ms: performance.now() - start, records, cells };
}

/**
 * Reading one of sensortrace's own logs: the hand-written parser (own-log-reader.ts) against
 * csv-parse (csv-file-reader.ts) on the same file, in one process, alternating. The fast path
 * may stay only while this ratio is ≥ 2 (issue 11 item 7).
 */
export async function csvReadCase(ctx: BenchContext, rows: number, which: 'sent log' | 'trace'): Promise<CaseResult> {
  const sent = join(ctx.dir, `csv-sent-${rows}.csv`);
  const trace = join(ctx.dir, `csv-trace-${rows}.csv`);
  await writeSentAndTrace(sent, trace, rows);
  const path = which === 'sent log' ? sent : trace;
  const hand: number[] = [];
  const library: number[] = [];
  let mismatch = 0;
  for (let i = 0; i < Math.max(ctx.repeats, 2); i++) {
    const a = await timeRead(readOwnLogBatches, path);
    const b = await timeRead(readCsvBatches, path);
    if (a.records !== b.records || a.cells !== b.cells) mismatch++;
    hand.push(a.ms);
    library.push(b.ms);
    ctx.log(`  read ${which} ${rows} rows run ${i + 1}: hand-written ${a.ms.toFixed(0)} ms, csv-parse ${b.ms.toFixed(0)} ms, ratio ${(b.ms / a.ms).toFixed(2)}`);
  }
  return ratioResult(`read a ${rows / 1000}k-row ${which} (CSV)`, 'hand-written CsvParser', 'csv-parse', hand, library, mismatch);
}

/** A row as trace writes one per arrival (trace-row.ts): times, a topic, a payload with a space. */
function traceCells(i: number): Array<string | number> {
  const t = 1_700_000_000_000 + i * 10;
  return [t + 0.7, 'bench/s1', 1, 0, 0, `${t / 1000} 20.5`, i, 's1', t, 20.5, t + 0.05, 0.65];
}

/**
 * Writing: csvLine() against csv-stringify on the same rows, one line per call as the log writers
 * make them (a trace row per arrival), so both pay the same number→text conversions. Also timed:
 * csv-stringify over 512-row batches, its cheapest use, shown in the detail. Lines are counted,
 * not kept, so the garbage collector does not decide the figures; the first 10k are compared.
 */
export function csvWriteCase(ctx: BenchContext, rows: number): CaseResult {
  const records = Array.from({ length: rows }, (_, i) => traceCells(i + 1));
  const sample = records.slice(0, 10_000);
  const mismatch = sample.map((r) => csvLine(r)).join('') === stringify(sample.map((r) => r.map(cellText))) ? 0 : 1;
  const hand: number[] = [];
  const library: number[] = [];
  const batched: number[] = [];
  for (let i = 0; i < 5; i++) {
    hand.push(timeWrite(() => records.reduce((n, r) => n + csvLine(r).length, 0)));
    library.push(timeWrite(() => records.reduce((n, r) => n + csvLineByLibrary(r).length, 0)));
    batched.push(timeWrite(() => batchesOf(records, 512).reduce((n, batch) => n + stringify(batch.map((r) => r.map(cellText))).length, 0)));
    ctx.log(`  write ${rows} rows run ${i + 1}: csvLine ${hand[i]!.toFixed(0)} ms, csv-stringify per line ${library[i]!.toFixed(0)} ms, in 512-row batches ${batched[i]!.toFixed(0)} ms`);
  }
  const result = ratioResult(`write ${rows / 1000}k trace rows (CSV), one line per call`, 'csvLine()', 'csv-stringify', hand, library, mismatch);
  result.detail = { ...result.detail, batchedLibraryMs: summarize(batched), batchedRatio: summarize(batched).median / result.oursStats.median };
  return result;
}

function timeWrite(write: () => number): number {
  const start = performance.now();
  write();
  return performance.now() - start;
}

function batchesOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function ratioResult(name: string, ours: string, baseline: string, hand: number[], library: number[], mismatch: number): CaseResult {
  const oursStats = summarize(hand);
  const baselineStats = summarize(library);
  const ratio = baselineStats.median / oursStats.median;
  return {
    name,
    ours,
    baseline,
    unit: 'ms',
    oursStats,
    baselineStats,
    ratio,
    target: 'hand-written path kept only if ≥ 2× the library',
    met: ratio >= 2,
    dropped: mismatch,
    detail: { ratio, mismatchedRuns: mismatch },
  };
}
