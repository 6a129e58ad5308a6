/**
 * compare --engine duckdb, step 1: the inputs as two DuckDB tables, `sent` and `arrivals`, with
 * the values the in-memory readers would produce (same number parsing, the CSV writer's formula
 * escape undone, payloads decoded where the trace left the decoded columns empty). Sensortrace's
 * own CSV and Parquet logs are scanned by DuckDB itself; mosquitto_sub and JSON-lines recordings
 * go through sensortrace's readers and are appended.
 */
import { cellToPayload, unescapeFormula } from '../../core/csv/csv.js';
import { inputError, optionError } from '../../core/errors.js';
import { ArrivalTable, type Arrival } from '../../core/compare/match.js';
import { sqlString, type DuckdbSession } from '../../io/duckdb/duckdb.js';
import { isSentLogHeader, readHeader } from '../../io/logs/sent-log-reader.js';
import { detectReceivedFormat, fillFromPayload, readReceivedTable, type ReceivedFormat } from '../../io/logs/trace-reader.js';
import { isParquetPath } from '../../io/parquet/parquet-schema.js';

type Kind = 'time' | 'number' | 'text';

/** The columns of sensortrace's logs that hold numbers (epoch ms and counts); every other column is text. */
const NUMBER_COLUMNS = new Set(['seq', 'qos', 'retain', 'dup', 'profile_time', 'value', 'planned_at', 'published_at', 'acked_at', 'received_at', 'latency_ms']);

/**
 * A file as a DuckDB table expression. CSV columns are typed by name (DuckDB parses the numbers:
 * the same correctly rounded doubles as Number()), so nothing is sniffed from the data.
 */
function scan(path: string, names?: readonly string[]): string {
  if (isParquetPath(path)) return `read_parquet(${sqlString(path)})`;
  const types = names ? `, types = {${names.map((n) => `${sqlString(n)}: '${NUMBER_COLUMNS.has(n.trim().toLowerCase()) ? 'DOUBLE' : 'VARCHAR'}'`).join(', ')}}` : ', all_varchar = true';
  return `read_csv(${sqlString(path)}, header = true, delim = ',', quote = '"', escape = '"', null_padding = true${types})`;
}

interface FileColumns {
  /** Lower-cased name → the file's own spelling. */
  byName: Map<string, string>;
  scan: string;
}

async function columnsOf(db: DuckdbSession, path: string): Promise<FileColumns> {
  const rows = await db.rows(`DESCRIBE SELECT * FROM ${scan(path)}`);
  const names = rows.map((r) => String(r.column_name));
  const byName = new Map<string, string>();
  for (const n of names) if (!byName.has(n.trim().toLowerCase())) byName.set(n.trim().toLowerCase(), n);
  return { byName, scan: scan(path, names) };
}

/** One column as a typed expression; NULL when the file lacks it. */
function column(file: FileColumns, parquet: boolean, name: string, kind: Kind): string {
  const own = file.byName.get(name);
  if (own === undefined) return kind === 'text' ? 'NULL::VARCHAR' : 'NULL::DOUBLE';
  const c = `"${own.replace(/"/g, '""')}"`;
  if (parquet) return kind === 'time' ? `(epoch_us(${c})::DOUBLE / 1000::DOUBLE)` : kind === 'number' ? `${c}::DOUBLE` : `${c}::VARCHAR`;
  // CSV: the writer's spreadsheet escape (a leading apostrophe before = + - @ tab CR) undone.
  return kind === 'text' ? `st_unescape(${c})` : c;
}

export async function createTables(db: DuckdbSession): Promise<void> {
  await db.run(`CREATE MACRO st_unescape(x) AS CASE WHEN starts_with(x, '''') AND regexp_matches(x, '^''+[=+\\-@\\t\\r]') THEN substr(x, 2) ELSE x END`);
  await db.run('CREATE TABLE arrivals (received_at DOUBLE, topic VARCHAR, seq DOUBLE, sensor VARCHAR, profile_time DOUBLE, value DOUBLE, published_at DOUBLE, payload_text VARCHAR, payload_bytes BLOB)');
}

/** The sent log (CSV or Parquet) as table `sent`, idx = its row order. A bare profile is the in-memory engine's. */
export async function loadSent(db: DuckdbSession, path: string): Promise<void> {
  const parquet = isParquetPath(path);
  if (!parquet) {
    const header = await readHeader(path);
    if (!header || !isSentLogHeader(header)) throw optionError('engine', `duckdb reads sent logs (CSV or Parquet), and ${path} is not one: compare a bare profile with the default engine`);
  }
  const n = await columnsOf(db, path);
  const c = (name: string, kind: Kind): string => column(n, parquet, name, kind);
  const topic = c('topic', 'text');
  const [planned, published, profileTime] = [c('planned_at', 'time'), c('published_at', 'time'), c('profile_time', 'time')];
  // idx: the row's position in the file (rowid, in insertion order), what the in-memory engine's indices are.
  await db.run(`CREATE TABLE sent_rows AS SELECT ${c('seq', 'number')} AS seq, coalesce(${c('sensor', 'text')}, ${topic}) AS sensor, ${topic} AS topic,
    coalesce(${c('qos', 'number')}, 0)::INTEGER AS qos, ${profileTime} AS profile_time, ${c('value', 'number')} AS value,
    ${planned} AS planned_at, ${published} AS published_at, coalesce(${planned}, ${published}, ${profileTime}) AS send_time FROM ${n.scan}`);
  await db.run('CREATE VIEW sent AS SELECT rowid AS idx, * FROM sent_rows');
  const repeated = await db.rows('SELECT seq FROM sent GROUP BY seq HAVING count(*) > 1 LIMIT 1');
  if (repeated.length > 0) throw inputError({ file: path, field: 'seq' }, 'repeated sequence number', String(repeated[0]!.seq));
  const missing = await db.rows('SELECT count(*) FILTER (WHERE seq IS NULL) AS seq, count(*) FILTER (WHERE topic IS NULL) AS topic, count(*) FILTER (WHERE profile_time IS NULL) AS profile_time, count(*) FILTER (WHERE value IS NULL) AS value FROM sent');
  for (const [field, count] of Object.entries(missing[0] ?? {})) if (Number(count) > 0) throw inputError({ file: path, field }, 'a value is required here (in some rows)', '');
}

/** One received file appended to `arrivals`, in file order (rowid is the arrival's input index). */
export async function loadReceived(db: DuckdbSession, path: string): Promise<ReceivedFormat | 'trace-parquet'> {
  const parquet = isParquetPath(path);
  const format = parquet ? 'trace-parquet' : await detectReceivedFormat(path);
  if (format === 'trace' || format === 'trace-parquet') {
    const n = await columnsOf(db, path);
    if (!n.byName.has('received_at') || !n.byName.has('topic')) throw inputError({ file: path, line: 1 }, 'not a trace: missing column received_at or topic');
    const c = (name: string, kind: Kind): string => column(n, parquet, name, kind);
    const payload = n.byName.has('payload') ? `"${n.byName.get('payload')!}"` : 'NULL';
    const needs = `(${c('value', 'number')} IS NULL OR (${c('seq', 'number')} IS NULL AND ${c('profile_time', 'time')} IS NULL))`;
    await db.run(`INSERT INTO arrivals SELECT ${c('received_at', 'time')}, ${c('topic', 'text')}, ${c('seq', 'number')}, ${c('sensor', 'text')}, ${c('profile_time', 'time')},
      ${c('value', 'number')}, ${c('published_at', 'time')}, ${parquet ? 'NULL' : `CASE WHEN ${needs} THEN ${payload} END`}, ${parquet ? `CASE WHEN ${needs} THEN ${payload}::BLOB END` : 'NULL'} FROM ${n.scan}`);
    return format;
  }
  // mosquitto_sub and JSON lines: sensortrace's readers (these formats carry no types to scan).
  const { arrivals } = await readReceivedTable(path, new ArrivalTable());
  await db.append('arrivals', rowsOf(arrivals));
  return format;
}

function* rowsOf(t: ArrivalTable): Iterable<unknown[]> {
  for (let i = 0; i < t.length; i++) yield [t.receivedAt[i], t.topic(i), t.seq[i], t.sensor(i), t.profileTime[i], t.value[i], t.publishedAt[i], null, null];
}

const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Trace rows whose decoded columns were left empty: decoded from the payload, as the in-memory reader does. */
export async function decodePayloads(db: DuckdbSession): Promise<void> {
  const rows = await db.rows('SELECT rowid AS rid, received_at, topic, seq, sensor, profile_time, value, published_at, payload_text, payload_bytes FROM arrivals WHERE payload_text IS NOT NULL OR payload_bytes IS NOT NULL');
  if (rows.length === 0) return;
  await db.run('CREATE TEMP TABLE decoded (rid DOUBLE, seq DOUBLE, sensor VARCHAR, profile_time DOUBLE, value DOUBLE, published_at DOUBLE)');
  const fixed = rows.map((r) => {
    const a: Arrival = { receivedAt: Number(r.received_at), topic: String(r.topic) };
    for (const [key, field] of [['seq', 'seq'], ['profileTime', 'profile_time'], ['value', 'value'], ['publishedAt', 'published_at']] as const) {
      const v = orNull(r[field]);
      if (v !== null) a[key] = v;
    }
    if (r.sensor !== null && r.sensor !== undefined) a.sensor = String(r.sensor);
    const bytes = r.payload_bytes as { bytes?: Uint8Array } | null;
    if (typeof r.payload_text === 'string') fillFromPayload(a, cellToPayload(unescapeFormula(r.payload_text)));
    else if (bytes?.bytes) fillFromPayload(a, Buffer.from(bytes.bytes));
    return [Number(r.rid), a.seq ?? null, a.sensor ?? null, a.profileTime ?? null, a.value ?? null, a.publishedAt ?? null];
  });
  await db.append('decoded', fixed);
  await db.run('UPDATE arrivals SET seq = d.seq, sensor = d.sensor, profile_time = d.profile_time, value = d.value, published_at = d.published_at FROM decoded d WHERE arrivals.rowid = d.rid::BIGINT');
}
