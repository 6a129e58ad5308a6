import { join } from 'node:path';
import { csvLine } from '../../core/csv/csv.js';
import { runTitle } from '../../core/experiment/run-plan.js';
import type { CompareReport } from '../../core/compare/report.js';
import { topicMatches } from '../../core/mqtt/topic-filter.js';
import type { ScenarioProcessor } from '../../core/scenario/scenario.js';
import { readOwnLogBatches } from '../../io/csv/own-log-reader.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';
import { compare, type CompareFormat } from '../compare/compare.js';
import type { RunFiles } from './run-compare.js';
import type { ExperimentRun } from './types.js';

/** One output of a run's processor, held against the sent log (compare --expect). */
export interface DerivedComparison {
  name: string;
  filter: string;
  expect: string;
  /** trace-<name>.csv: the arrivals on this output's topics. */
  trace: string;
  report?: CompareReport;
  error?: string;
}

/** Splits the run's trace by output: one trace file per output filter (header kept). */
async function splitTrace(trace: string, outputs: ScenarioProcessor['outputs'], dir: string): Promise<string[]> {
  const paths = outputs.map((o) => join(dir, `trace-${o.name}.csv`));
  const writers = paths.map((path) => new BufferedFileWriter(path, { flushIntervalMs: 1000 }));
  try {
    let header = true;
    for await (const batch of readOwnLogBatches(trace)) {
      for (const record of batch) {
        if (header) {
          for (const w of writers) w.write(csvLine(record.cells));
          header = false;
          continue;
        }
        const topic = record.cells[1] ?? '';
        outputs.forEach((o, i) => {
          if (topicMatches(o.filter, topic)) writers[i]!.write(csvLine(record.cells));
        });
      }
    }
  } finally {
    for (const w of writers) w.close();
  }
  return paths;
}

/**
 * A run with a processor: each output's arrivals compared with the sent log through the
 * scenario's `expect` (default `value`): lost and late derived events, and values that are not
 * what `expect` says (value_mismatches: wrong window values). The first output's report is the
 * run's report; every one is on `run.derived`. A failure becomes the run's error, never the experiment's.
 */
export async function compareDerived(run: ExperimentRun, files: RunFiles, processor: ScenarioProcessor, formats: CompareFormat[]): Promise<DerivedComparison[]> {
  const expect = processor.expect ?? 'value';
  const out: DerivedComparison[] = [];
  let traces: string[];
  try {
    traces = await splitTrace(files.trace, processor.outputs, run.dir);
  } catch (error) {
    run.error ??= `compare failed: ${(error as Error).message}`;
    return out;
  }
  for (const [i, output] of processor.outputs.entries()) {
    const item: DerivedComparison = { name: output.name, filter: output.filter, expect, trace: traces[i]! };
    out.push(item);
    try {
      const compared = await compare({
        sent: files.sent,
        received: [item.trace],
        events: [files.brokerEvents],
        output: `${files.compare}-${output.name}`,
        formats,
        expect,
        title: `${runTitle(run.spec)} — ${output.name} (${output.filter})`,
      });
      item.report = compared.report;
      run.files.push(...compared.files);
      run.report ??= compared.report;
    } catch (error) {
      item.error = (error as Error).message;
      run.error ??= `compare of ${output.name} failed: ${item.error}`;
    }
  }
  return out;
}
