/**
 * compare --engine duckdb, step 2: the whole accounting of core/compare (analyse()) as SQL over
 * the `sent` and `arrivals` tables, so inputs larger than memory spill to disk. Same definitions,
 * field by field: receive order is (received_at, input index); matching by seq, else (topic,
 * rounded profile time), else (sensor, rounded profile time), the k-th arrival of a key taking
 * the key's k-th message (the first once all are taken); out of order against the running highest
 * seq of the topic's first arrivals; latency percentiles by nearest rank over the sorted values
 * and the mean as the sum of the sorted values (the in-memory engine's own order), rounded alike.
 */
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import { outageWindows, type OutageWindow } from '../../core/compare/outages.js';
import type { CompareCounts, CompareReport, OutageReport } from '../../core/compare/report.js';
import type { MatchCounts, MatchRule } from '../../core/compare/match.js';
import type { LatencyStats } from '../../core/compare/stats.js';
import type { DuckdbSession } from '../../io/duckdb/duckdb.js';

const num = (v: unknown): number => Number(v ?? 0);
const KEY = 'floor(profile_time + 0.5)';

/** Which sent message (idx) each matched arrival (rr: its rank in receive order) is a copy of. */
async function match(db: DuckdbSession): Promise<void> {
  await db.run('CREATE TABLE ranked AS SELECT rowid AS aidx, *, row_number() OVER (ORDER BY received_at, rowid) AS rr FROM arrivals');
  await db.run(`CREATE TABLE matched AS SELECT a.rr, s.idx AS sidx, 'seq' AS src, 'seq' AS grp, 1 AS n FROM ranked a JOIN sent s ON a.seq = s.seq WHERE a.seq IS NOT NULL`);
  const [timed] = await db.rows('SELECT count(*) AS n FROM ranked WHERE seq IS NULL AND profile_time IS NOT NULL');
  if (num(timed?.n) === 0) return;
  await db.run(`CREATE TABLE keyed AS SELECT idx, topic, sensor, ${KEY} AS k,
    row_number() OVER (PARTITION BY topic, ${KEY} ORDER BY idx) AS tpos, count(*) OVER (PARTITION BY topic, ${KEY}) AS tn,
    row_number() OVER (PARTITION BY sensor, ${KEY} ORDER BY idx) AS spos, count(*) OVER (PARTITION BY sensor, ${KEY}) AS sn FROM sent`);
  await db.run(`CREATE TABLE tk AS SELECT rr, topic, sensor, ${KEY} AS k FROM ranked WHERE seq IS NULL AND profile_time IS NOT NULL`);
  await db.run(`CREATE TABLE by_topic AS SELECT t.rr, t.topic, t.k, row_number() OVER (PARTITION BY t.topic, t.k ORDER BY t.rr) AS r FROM tk t WHERE EXISTS (SELECT 1 FROM keyed s WHERE s.topic = t.topic AND s.k = t.k)`);
  await db.run(`CREATE TABLE by_sensor AS SELECT t.rr, t.sensor, t.k, row_number() OVER (PARTITION BY t.sensor, t.k ORDER BY t.rr) AS r FROM tk t
    WHERE t.sensor IS NOT NULL AND t.rr NOT IN (SELECT rr FROM by_topic) AND EXISTS (SELECT 1 FROM keyed s WHERE s.sensor = t.sensor AND s.k = t.k)`);
  await db.run(`INSERT INTO matched SELECT b.rr, s.idx, 'topic', 't|' || b.topic || '|' || b.k, s.tn FROM by_topic b JOIN keyed s ON s.topic = b.topic AND s.k = b.k AND s.tpos = CASE WHEN b.r <= s.tn THEN b.r ELSE 1 END`);
  await db.run(`INSERT INTO matched SELECT b.rr, s.idx, 'sensor', 's|' || b.sensor || '|' || b.k, s.sn FROM by_sensor b JOIN keyed s ON s.sensor = b.sensor AND s.k = b.k AND s.spos = CASE WHEN b.r <= s.sn THEN b.r ELSE 1 END`);
  // The k-th-arrival rule is the in-memory matcher's only while a key's messages are taken through that key alone.
  const [mixed] = await db.rows('SELECT sidx FROM matched GROUP BY sidx HAVING count(DISTINCT grp) > 1 AND max(n) > 1 LIMIT 1');
  if (mixed) throw new SensortraceError('compare --engine duckdb: several sent messages share a (topic or sensor, profile time) and are also matched another way (by seq or another key); the order-dependent choice between them is the default engine\'s: leave --engine out', 'E_USAGE', undefined, { option: 'engine' });
}

/** One row per sent message: delivered, copies, latency, delay, mismatch, out of order, late. */
async function messages(db: DuckdbSession, windows: readonly OutageWindow[]): Promise<void> {
  await db.run('CREATE TABLE firsts AS SELECT sidx, min(rr) AS first_rr, count(*) AS copies FROM matched GROUP BY sidx');
  const values = windows.map((w, i) => `(${i}, ${w.start}::DOUBLE, ${w.end === null ? 'NULL' : `${w.end}::DOUBLE`})`).join(', ');
  await db.run(`CREATE TABLE windows (wi INTEGER, w_start DOUBLE, w_end DOUBLE)`);
  if (values) await db.run(`INSERT INTO windows VALUES ${values}`);
  await db.run(`CREATE TABLE msg AS SELECT s.idx, s.seq, s.sensor, s.topic, s.qos::VARCHAR AS qos, s.send_time, f.first_rr, coalesce(f.copies, 0) AS copies,
      a.received_at AS first_at, a.received_at - coalesce(s.published_at, a.published_at) AS latency, a.received_at - s.planned_at AS delay,
      coalesce(a.value IS NOT NULL AND NOT (abs(a.value - s.value) <= 1e-9::DOUBLE * greatest(1::DOUBLE, abs(a.value), abs(s.value))), false) AS mismatch,
      w.wi, w.w_end
    FROM sent s LEFT JOIN firsts f ON f.sidx = s.idx LEFT JOIN ranked a ON a.rr = f.first_rr
    LEFT JOIN windows w ON s.send_time >= w.w_start AND (w.w_end IS NULL OR s.send_time < w.w_end)`);
  await db.run(`CREATE TABLE behind AS SELECT idx, seq < max(seq) OVER (PARTITION BY topic ORDER BY first_rr ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ooo FROM msg WHERE first_rr IS NOT NULL`);
  await db.run(`CREATE TABLE facts AS SELECT m.*, coalesce(b.ooo, false) AS ooo, (m.w_end IS NOT NULL AND m.first_at >= m.w_end) AS late FROM msg m LEFT JOIN behind b ON b.idx = m.idx`);
}

function round3(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

/** Nearest-rank percentiles and the sorted-order mean of one measure, per slice key. */
async function stats(db: DuckdbSession, measure: 'latency' | 'delay', key: string): Promise<Map<string, LatencyStats>> {
  const rank = (p: number): string => `least(n, greatest(1, ceil((${p}::DOUBLE / 100::DOUBLE) * n::DOUBLE)))`;
  const rows = await db.rows(`WITH v AS (SELECT ${key} AS key, ${measure} AS v FROM facts WHERE ${measure} IS NOT NULL),
    r AS (SELECT key, v, row_number() OVER (PARTITION BY key ORDER BY v) AS rn, count(*) OVER (PARTITION BY key) AS n FROM v),
    p AS (SELECT key, any_value(n) AS n, max(v) FILTER (WHERE rn = ${rank(50)}) AS p50, max(v) FILTER (WHERE rn = ${rank(95)}) AS p95,
      max(v) FILTER (WHERE rn = ${rank(99)}) AS p99, max(v) AS mx FROM r GROUP BY key),
    s AS (SELECT key, sum(v ORDER BY v) AS total FROM v GROUP BY key)
    SELECT p.*, s.total FROM p JOIN s ON s.key IS NOT DISTINCT FROM p.key`);
  const out = new Map<string, LatencyStats>();
  for (const r of rows) {
    const n = num(r.n);
    out.set(String(r.key), { count: n, p50: round3(Number(r.p50)), p95: round3(Number(r.p95)), p99: round3(Number(r.p99)), max: round3(Number(r.mx)), mean: round3(Number(r.total) / n) });
  }
  return out;
}

const EMPTY: LatencyStats = { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };

async function slices(db: DuckdbSession, key: string): Promise<Record<string, CompareCounts>> {
  const rows = await db.rows(`SELECT ${key} AS key, count(*) AS sent, sum(copies) AS received, count(first_at) AS delivered, sum(CASE WHEN copies > 0 THEN copies - 1 ELSE 0 END) AS duplicates,
    count(*) FILTER (WHERE ooo) AS ooo, count(*) FILTER (WHERE late) AS late, count(*) FILTER (WHERE mismatch) AS mismatches FROM facts GROUP BY ${key}`);
  const [latency, delay] = [await stats(db, 'latency', key), await stats(db, 'delay', key)];
  const out: Record<string, CompareCounts> = {};
  for (const r of rows.sort((a, b) => (String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0))) {
    const k = String(r.key);
    out[k] = { sent: num(r.sent), received: num(r.received), delivered: num(r.delivered), lost: num(r.sent) - num(r.delivered), duplicates: num(r.duplicates), out_of_order: num(r.ooo), late: num(r.late), value_mismatches: num(r.mismatches), latency_ms: latency.get(k) ?? { ...EMPTY }, delay_ms: delay.get(k) ?? { ...EMPTY } };
  }
  return out;
}

function mainRule(c: MatchCounts): MatchRule | 'none' {
  const best = Math.max(c.by_seq, c.by_topic_time, c.by_sensor_time);
  if (best === 0) return 'none';
  if (best === c.by_seq) return 'seq';
  return best === c.by_topic_time ? 'topic+time' : 'sensor+time';
}

async function outages(db: DuckdbSession, windows: readonly OutageWindow[]): Promise<OutageReport[]> {
  const rows = await db.rows(`SELECT wi, count(*) AS sent, count(*) FILTER (WHERE first_at IS NULL) AS lost, count(*) FILTER (WHERE late) AS late FROM facts WHERE wi IS NOT NULL GROUP BY wi`);
  const byWindow = new Map(rows.map((r) => [num(r.wi), r]));
  return windows.map((w, i) => {
    const r = byWindow.get(i);
    const [sent, lost, late] = [num(r?.sent), num(r?.lost), num(r?.late)];
    return { start: w.start, end: w.end, kind: w.kind, sources: w.sources, sent, lost, late, on_time: sent - lost - late };
  });
}

/** The report analyse() would give for the tables loaded by duckdb-inputs.ts. */
export async function analyseInDuckdb(db: DuckdbSession, events: readonly ConnectionEvent[]): Promise<CompareReport> {
  const windows = outageWindows(events);
  await match(db);
  await messages(db, windows);
  const all = (await slices(db, "'all'")).all ?? { sent: 0, received: 0, delivered: 0, lost: 0, duplicates: 0, out_of_order: 0, late: 0, value_mismatches: 0, latency_ms: { ...EMPTY }, delay_ms: { ...EMPTY } };
  const [counts] = await db.rows(`SELECT count(*) FILTER (WHERE src = 'seq') AS by_seq, count(*) FILTER (WHERE src = 'topic') AS by_topic, count(*) FILTER (WHERE src = 'sensor') AS by_sensor, (SELECT count(*) FROM arrivals) AS arrivals FROM matched`);
  const matchCounts: MatchCounts = { rule: 'none', by_seq: num(counts?.by_seq), by_topic_time: num(counts?.by_topic), by_sensor_time: num(counts?.by_sensor) };
  const unexpected = num(counts?.arrivals) - matchCounts.by_seq - matchCounts.by_topic_time - matchCounts.by_sensor_time;
  const [spans] = await db.rows('SELECT (SELECT min(send_time) FROM sent) AS s0, (SELECT max(send_time) FROM sent) AS s1, (SELECT min(received_at) FROM arrivals) AS r0, (SELECT max(received_at) FROM arrivals) AS r1');
  const span = (a: unknown, b: unknown): { first: number; last: number } | null => (a === null || a === undefined ? null : { first: Number(a), last: Number(b) });
  return {
    ...all,
    received: all.received + unexpected,
    unexpected,
    match: { ...matchCounts, rule: mainRule(matchCounts) },
    outages: await outages(db, windows),
    by_sensor: await slices(db, 'sensor'),
    by_qos: await slices(db, 'qos'),
    sent_span: span(spans?.s0, spans?.s1),
    received_span: span(spans?.r0, spans?.r1),
  };
}
