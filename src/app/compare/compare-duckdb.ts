/**
 * compare --engine duckdb: the inputs loaded into DuckDB (duckdb-inputs.ts), the report computed
 * there (duckdb-engine.ts), and for the charts a downsample — an even share of the sent messages
 * (at most CHART_SAMPLE) with their arrivals — drawn by the same chart code as the in-memory
 * engine. The report's numbers always come from the whole data; only the drawing is sampled.
 */
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { analyse, ArrivalTable, SentTable, type CompareDetail, type CompareReport } from '../../core/compare/report.js';
import { NO_QOS } from '../../core/compare/match.js';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import { openDuckdb, type DuckdbSession } from '../../io/duckdb/duckdb.js';
import { prepareOutputFolder } from '../../io/output/output-path.js';
import { analyseInDuckdb } from './duckdb-engine.js';
import { createTables, decodePayloads, loadReceived, loadSent } from './duckdb-inputs.js';

/** Sent messages kept for drawing; the chart has ~600 columns, so this is far more than it shows. */
export const CHART_SAMPLE = 200_000;

export interface DuckdbCompareInput {
  sent: string;
  received: string[];
  events: readonly ConnectionEvent[];
  /** compare's output base: the spill folder goes beside it (else in the system's temp folder). */
  output?: string;
  memoryLimit?: string;
  /** Also take a downsample for the charts. */
  sample: boolean;
  signal?: AbortSignal;
}

export interface DuckdbCompareResult {
  report: CompareReport;
  formats: Array<'trace' | 'trace-jsonl' | 'mosquitto_sub' | 'trace-parquet'>;
  sample?: { sent: SentTable; arrivals: ArrivalTable; detail: CompareDetail };
}

export async function compareWithDuckdb(input: DuckdbCompareInput): Promise<DuckdbCompareResult> {
  let tempParent = tmpdir();
  if (input.output !== undefined) {
    tempParent = dirname(resolve(input.output));
    prepareOutputFolder(tempParent);
  }
  const db = await openDuckdb({ tempParent, ...(input.memoryLimit ? { memoryLimit: input.memoryLimit } : {}), ...(input.signal ? { signal: input.signal } : {}) });
  try {
    await createTables(db);
    const formats: DuckdbCompareResult['formats'] = [];
    for (const path of input.received) formats.push(await reading(path, () => loadReceived(db, path)));
    await decodePayloads(db);
    await reading(input.sent, () => loadSent(db, input.sent));
    const report = await analyseInDuckdb(db, input.events);
    if (!input.sample) return { report, formats };
    return { report, formats, sample: await chartSample(db, input.events) };
  } finally {
    db.close();
  }
}

/** DuckDB's own complaints about a file (a cell that is not a number, a torn line) name the file, exit 2. */
async function reading<T>(path: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof SensortraceError) throw error;
    throw new SensortraceError(`${path}: cannot read: ${(error as Error).message.split('\n')[0]}`, 'E_INPUT', { file: path }, { cause: error });
  }
}

/** Every k-th sent message and the arrivals matched to it (plus every k-th unexpected one), analysed for drawing. */
async function chartSample(db: DuckdbSession, events: readonly ConnectionEvent[]): Promise<{ sent: SentTable; arrivals: ArrivalTable; detail: CompareDetail }> {
  const [count] = await db.rows('SELECT count(*) AS n FROM sent');
  const step = Math.max(1, Math.ceil(Number(count?.n ?? 0) / CHART_SAMPLE));
  await db.run(`CREATE TABLE sample_sent AS SELECT * FROM sent WHERE idx % ${step} = 0`);
  const sentRows = await db.rows('SELECT seq, sensor, topic, qos, profile_time, value, planned_at, published_at FROM sample_sent ORDER BY idx');
  const arrivalRows = await db.rows(`SELECT m.received_at, s.topic, s.seq, s.sensor, s.profile_time, m.value, m.published_at, m.aidx FROM matched m JOIN sample_sent s ON s.idx = m.sidx
    UNION ALL SELECT a.received_at, a.topic, a.seq, a.sensor, a.profile_time, a.value, a.published_at, a.rowid FROM arrivals a
      WHERE a.rowid % ${step} = 0 AND a.rowid NOT IN (SELECT aidx FROM matched) ORDER BY 1, 8`);
  const n = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
  const sent = new SentTable();
  for (const r of sentRows) sent.push(n(r.seq), String(r.sensor), String(r.topic), n(r.qos) as 0 | 1 | 2, n(r.profile_time), n(r.value), n(r.planned_at), n(r.published_at));
  const arrivals = new ArrivalTable();
  for (const r of arrivalRows) arrivals.push(n(r.received_at), String(r.topic), NO_QOS, false, n(r.seq), r.sensor === null ? undefined : String(r.sensor), n(r.profile_time), n(r.value), n(r.published_at));
  const { detail } = analyse(sent, arrivals, events);
  return { sent, arrivals, detail };
}
