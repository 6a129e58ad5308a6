import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chartData, type ChartData, type FaultBandInput } from '../../core/chart/chart-data.js';
import { analyse, ArrivalTable, SentTable, type AnalyseOptions, type CompareDetail, type CompareReport } from '../../core/compare/report.js';
import { compileExpression, evaluateNumber, type CompiledExpression } from '../../core/expression/evaluate.js';
import { optionError, SensortraceError } from '../../core/errors.js';
import type { GnuplotTerminal } from '../../core/chart/gnuplot.js';
import { eventsPathFor, type Qos } from '../../core/records.js';
import { preloadChartModules } from '../../io/output/chart-renderer.js';
import { checkOutputs, prepareOutputPath } from '../../io/output/output-path.js';
import { writeChartFiles, type ChartFormat } from './chart-outputs.js';
import { Interruption } from './interruption.js';
import { readEventsIfPresent } from '../../io/logs/events-reader.js';
import type { ProfileFormatOptions } from '../../io/input/profile-reader.js';
import { isSentLogHeader, readHeader, readProfileAsSent, readSentTable, readSentTableInBackground } from '../../io/logs/sent-log-reader.js';
import { readReceivedTable, type ReceivedFormat } from '../../io/logs/trace-reader.js';
import { readSentShards, sentPaths } from './sent-shards.js';
import { readSentParquet, readTraceParquet } from '../../io/parquet/parquet-log-readers.js';
import { isParquetPath } from '../../io/parquet/parquet-schema.js';
import { compareWithDuckdb } from './compare-duckdb.js';

export type CompareFormat = ChartFormat | 'json';
export const COMPARE_FORMATS: readonly CompareFormat[] = ['svg', 'png', 'gp', 'vl', 'vg', 'html', 'json'];
/** Written when no formats are given: all but vg (the report's building block, also inside the html). */
export const DEFAULT_COMPARE_FORMATS: readonly CompareFormat[] = ['svg', 'png', 'gp', 'vl', 'html', 'json'];

export interface CompareOptions {
  /**
   * Replay's sent log, or a bare profile (any shape replay reads). Several sent logs (of
   * `replay --partition k/N` processes) are merged into one, like trace shards.
   */
  sent: string | string[];
  /** Trace files (shards are merged) and/or mosquitto_sub `-F '%U %t %p'` recordings. */
  received: string[];
  /** Events files to read besides those found next to the inputs (`eventsPathFor`). */
  events?: string[];
  /** Output base path: `out/compare` → out/compare.svg, .png, .gp + .dat, .vl.json, .vg.json, .html, .json. None: no files. */
  output?: string;
  formats?: CompareFormat[];
  title?: string;
  width?: number;
  height?: number;
  utc?: boolean;
  gnuplotTerminal?: GnuplotTerminal;
  /** CEP assertion (issue 8); not available yet: rejected as a usage error. */
  expect?: string;
  /** For a bare profile: the topic template and QoS the replay used. */
  topic?: string;
  qos?: Qos;
  profileFormat?: ProfileFormatOptions;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
  /**
   * 'memory' (default): the inputs in columns in this process. 'duckdb': the join and every count
   * in DuckDB (optional dependency @duckdb/node-api), spilling to disk; same report.
   */
  engine?: CompareEngine;
  /** DuckDB's memory_limit for engine 'duckdb' (default '2GB'). */
  memoryLimit?: string;
  /** Network faults to shade on the charts (an experiment's; compare reads no faults file itself). */
  faults?: readonly FaultBandInput[];
}

export type CompareEngine = 'memory' | 'duckdb';

export interface CompareInputs {
  sent: string | string[];
  sent_kind: 'sent-log' | 'profile';
  received: Array<{ path: string; format: ReceivedFormat | 'trace-parquet' }>;
  events: string[];
}

export interface CompareResult {
  report: CompareReport & { inputs: CompareInputs };
  files: string[];
}

/** "UTC+01:00" for the runtime's zone at a given instant. */
export function zoneLabelAt(at: number): string {
  const minutes = -new Date(at).getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

async function readSentInput(options: CompareOptions, arrivals: ArrivalTable, pendingSentLog: Promise<SentTable | undefined>): Promise<{ messages: SentTable; kind: 'sent-log' | 'profile' }> {
  const path = options.sent;
  if (typeof path !== 'string') return { messages: await readSentShards(path, options.onWarning), kind: 'sent-log' };
  if (isParquetPath(path)) return { messages: (await pendingSentLog)!, kind: 'sent-log' };
  const header = await readHeader(path).catch((error: unknown) => {
    throw error instanceof SensortraceError ? error : new SensortraceError(`${path}: cannot read: ${(error as Error).message}`, 'E_INPUT', { file: path });
  });
  if (header && isSentLogHeader(header)) return { messages: (await pendingSentLog) ?? (await readSentTable(path, { onWarning: options.onWarning })), kind: 'sent-log' };
  const { messages, relative } = await readProfileAsSent(path, { topic: options.topic, qos: options.qos, format: options.profileFormat });
  if (relative) {
    // A relative profile is anchored at the replay's start, which only the arrivals tell:
    // assume the earliest reading that arrived is the profile's first.
    let anchor = Infinity;
    for (let i = 0; i < arrivals.length; i++) if (arrivals.profileTime[i]! < anchor) anchor = arrivals.profileTime[i]!;
    if (Number.isFinite(anchor)) {
      for (const m of messages) m.profileTime += anchor;
      options.onWarning?.(`${path}: relative profile anchored at the earliest arrival's reading time; if the first reading was lost, use the sent log instead`);
    }
  }
  return { messages: SentTable.from(messages), kind: 'profile' };
}

/**
 * --expect EXPR: the received stream is derived from the sent one (process rules/sin.yaml), so
 * each arrival should carry EXPR of the sent reading. Derived values are published with 6
 * decimals, hence the tolerance.
 */
function expectationFrom(expect: string | undefined): AnalyseOptions {
  if (expect === undefined) return {};
  let expression: CompiledExpression;
  try {
    expression = compileExpression(expect);
  } catch (error) {
    throw optionError('expect', (error as Error).message);
  }
  return {
    tolerance: 1e-6,
    expected: (s) => {
      try {
        return evaluateNumber(expression, { value: s.value, sensor: s.sensor, seq: s.seq, time: s.profileTime, topic: s.topic });
      } catch (error) {
        throw new SensortraceError(`expect: for message seq ${s.seq}: ${(error as Error).message}`, 'E_INPUT', undefined, { option: 'expect' });
      }
    },
  };
}

/** The files `-o base` writes for these formats. */
function outputFiles(base: string, formats: readonly CompareFormat[]): string[] {
  const suffixes: Record<CompareFormat, string[]> = { json: ['.json'], svg: ['.svg'], png: ['.png'], gp: ['.gp', '.dat'], vl: ['.vl.json'], vg: ['.vg.json'], html: ['.html'] };
  return formats.flatMap((f) => suffixes[f].map((suffix) => `${base}${suffix}`));
}

/** Before any reading: every output can be written and none is one of the inputs. */
function checkCompareOutputs(options: CompareOptions, formats: readonly CompareFormat[]): void {
  if (options.output === undefined) return;
  checkOutputs(outputFiles(outputBase(options.output), formats), [...sentPaths(options.sent), ...options.received, ...(options.events ?? [])]);
}

function outputBase(output: string): string {
  return resolve(output.replace(/\.(json|svg|png|gp|html)$/i, ''));
}

/**
 * Sent versus received: reads the inputs (streaming), computes the report, writes the chosen
 * outputs. The numbers come from `analyse()` in src/core/compare/report.ts, which experiment
 * calls directly on records it already holds.
 */
export async function compare(given: CompareOptions): Promise<CompareResult> {
  // One sent log given as a list of one is the plain case (read on a worker thread).
  const options = typeof given.sent !== 'string' && given.sent.length === 1 ? { ...given, sent: given.sent[0]! } : given;
  if (typeof options.sent !== 'string' && options.sent.length === 0) throw optionError('sent', 'give at least one file');
  const analyseOptions = expectationFrom(options.expect);
  if (options.received.length === 0) throw optionError('received', 'give at least one file');
  const formats = options.formats ?? [...DEFAULT_COMPARE_FORMATS];
  for (const f of formats) if (!COMPARE_FORMATS.includes(f)) throw optionError('formats', `unknown output "${f}" (known: ${COMPARE_FORMATS.join(', ')})`);
  checkCompareOutputs(options, formats);
  if (options.engine === 'duckdb') return compareInDuckdb(options, formats);
  if (options.engine !== undefined && options.engine !== 'memory') throw optionError('engine', `unknown engine "${String(options.engine)}" (known: memory, duckdb)`);
  // The chart modules load while the inputs are read (their import is most of a small compare's time).
  if (options.output !== undefined && formats.some((f) => f === 'svg' || f === 'png' || f === 'vg' || f === 'html')) void preloadChartModules();

  // A large sent log is read on another thread while this one reads the arrivals. Its errors
  // surface when awaited, after any error of the received files, as when read in turn.
  const background = new AbortController();
  const single = options.sent;
  const pendingSentLog = typeof single !== 'string' ? Promise.resolve(undefined) : isParquetPath(single) ? readSentParquet(single) : readHeader(single).then(
    (header) => (header && isSentLogHeader(header) ? readSentTableInBackground(single, { onWarning: options.onWarning, signal: background.signal }) : undefined),
    () => undefined,
  );
  pendingSentLog.catch(() => undefined);
  // Columns, not objects: about 50 bytes a message on each side (see SentTable, ArrivalTable).
  const arrivals = new ArrivalTable();
  const received: CompareInputs['received'] = [];
  const files: string[] = [];
  const stop = new Interruption(options.signal, files);
  let sent: Awaited<ReturnType<typeof readSentInput>>;
  try {
    for (const path of options.received) {
      if (isParquetPath(path)) {
        await stop.race(readTraceParquet(path, arrivals));
        received.push({ path, format: 'trace-parquet' });
        continue;
      }
      const { format } = await stop.race(readReceivedTable(path, arrivals, { onWarning: options.onWarning }));
      received.push({ path, format });
    }
    sent = await stop.race(readSentInput(options, arrivals, pendingSentLog));
  } catch (error) {
    background.abort();
    throw error;
  }
  const { events, read } = await stop.race(readEvents(options));
  await stop.checkpoint('analysing');
  const { report: counts, detail } = analyse(sent.messages, arrivals, events, analyseOptions);
  const report = { ...counts, inputs: { sent: options.sent, sent_kind: sent.kind, received, events: read } };
  return writeOutputs(options, formats, report, () => ({ sent: sent.messages, arrivals, detail }), stop);
}

async function readEvents(options: CompareOptions): Promise<Awaited<ReturnType<typeof readEventsIfPresent>>> {
  const eventPaths = [...sentPaths(options.sent).map(eventsPathFor), ...options.received.map(eventsPathFor), ...(options.events ?? [])];
  const found = await readEventsIfPresent(eventPaths);
  for (const path of options.events ?? []) if (!found.read.includes(path)) throw new SensortraceError(`${path}: events file not found`, 'E_INPUT', { file: path });
  return found;
}

/** --engine duckdb: the same report from DuckDB; charts from a downsample (compare-duckdb.ts). */
async function compareInDuckdb(options: CompareOptions, formats: readonly CompareFormat[]): Promise<CompareResult> {
  if (options.expect !== undefined) throw optionError('engine', 'duckdb does not evaluate --expect: leave --engine out');
  const sent = options.sent;
  if (typeof sent !== 'string') throw optionError('engine', 'duckdb reads one sent log: leave --engine out to merge several');
  const stop = new Interruption(options.signal, []);
  const { events, read } = await readEvents(options);
  const draws = options.output !== undefined && formats.some((f) => f !== 'json');
  if (draws) void preloadChartModules();
  const result = await compareWithDuckdb({ sent, received: options.received, events, output: options.output, memoryLimit: options.memoryLimit, sample: draws, signal: options.signal });
  const received = options.received.map((path, i) => ({ path, format: result.formats[i]! }));
  const report = { ...result.report, inputs: { sent, sent_kind: 'sent-log' as const, received, events: read } };
  return writeOutputs(options, formats, report, () => result.sample!, stop);
}

type ChartInputs = () => { sent: SentTable; arrivals: ArrivalTable; detail: CompareDetail };

/** The chosen output files; chart inputs asked for only when a chart is drawn. */
async function writeOutputs(options: CompareOptions, formats: readonly CompareFormat[], report: CompareResult['report'], chartInputs: ChartInputs, stop: Interruption): Promise<CompareResult> {
  const files = stop.files;
  await stop.checkpoint('writing the outputs');
  if (options.output === undefined || formats.length === 0) return { report, files };

  const base = outputBase(options.output);
  prepareOutputPath(base);
  const write = (path: string, content: string | Buffer): void => {
    try {
      writeFileSync(path, content);
    } catch (error) {
      throw new SensortraceError(`${path}: cannot write: ${(error as Error).message}`, 'E_OUTPUT', { file: path }, { cause: error });
    }
    files.push(path);
  };
  if (formats.includes('json')) write(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);

  const width = options.width ?? 1200;
  const height = options.height ?? 700;
  const needsChart = formats.some((f) => f !== 'json');
  if (!needsChart) return { report, files };
  // One column per two pixels: min/max keep up to 4 points per column, plenty for a line at this size.
  await stop.checkpoint('drawing the charts');
  const { sent, arrivals, detail } = chartInputs();
  const data: ChartData = chartData(sent, arrivals, report, detail, { columns: Math.round(width / 2), ...(options.faults ? { faults: options.faults } : {}) });
  await stop.checkpoint();
  const chartOptions = { formats, base, write, title: options.title, width, height, utc: options.utc, zoneLabel: zoneLabelAt(data.tMin), gnuplotTerminal: options.gnuplotTerminal };
  await writeChartFiles(report, data, { ...chartOptions, checkpoint: () => stop.checkpoint() });
  return { report, files };
}
