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

/**
 * Which sent message (sidx) each matched arrival (aidx: its input index) is a copy of, with what
 * the accounting needs of the arrival. Receive order is (received_at, aidx) throughout.
 */
async function match(db: DuckdbSession): Promise<void> {
  await db.run(`CREATE TABLE matched AS SELECT a.rowid AS aidx, a.received_at, a.value, a.published_at, s.idx AS sidx, 'seq' AS src, 'seq' AS grp, 1 AS n
    FROM arrivals a JOIN sent s ON a.seq = s.seq WHERE a.seq IS NOT NULL`);
  const [timed] = await db.rows('SELECT count(*) AS n FROM arrivals WHERE seq IS NULL AND profile_time IS NOT NULL');
  if (num(timed?.n) === 0) return;
  await db.run(`CREATE TABLE keyed AS SELECT idx, topic, sensor, ${KEY} AS k,
    row_number() OVER (PARTITION BY topic, ${KEY} ORDER BY idx) AS tpos, count(*) OVER (PARTITION BY topic, ${KEY}) AS tn,
    row_number() OVER (PARTITION BY sensor, ${KEY} ORDER BY idx) AS spos, count(*) OVER (PARTITION BY sensor, ${KEY}) AS sn FROM sent`);
  await db.run(`CREATE TABLE tk AS SELECT rowid AS aidx, received_at, value, published_at, topic, sensor, ${KEY} AS k FROM arrivals WHERE seq IS NULL AND profile_time IS NOT NULL`);
  await db.run(`CREATE TABLE by_topic AS SELECT t.*, row_number() OVER (PARTITION BY t.topic, t.k ORDER BY t.received_at, t.aidx) AS r FROM tk t WHERE EXISTS (SELECT 1 FROM keyed s WHERE s.topic = t.topic AND s.k = t.k)`);
  await db.run(`CREATE TABLE by_sensor AS SELECT t.*, row_number() OVER (PARTITION BY t.sensor, t.k ORDER BY t.received_at, t.aidx) AS r FROM tk t
    WHERE t.sensor IS NOT NULL AND t.aidx NOT IN (SELECT aidx FROM by_topic) AND EXISTS (SELECT 1 FROM keyed s WHERE s.sensor = t.sensor AND s.k = t.k)`);
  const pick = (pos: string, n: string): string => `s.${pos} = CASE WHEN b.r <= s.${n} THEN b.r ELSE 1 END`;
  await db.run(`INSERT INTO matched SELECT b.aidx, b.received_at, b.value, b.published_at, s.idx, 'topic', 't|' || b.topic || '|' || b.k, s.tn FROM by_topic b JOIN keyed s ON s.topic = b.topic AND s.k = b.k AND ${pick('tpos', 'tn')}`);
  await db.run(`INSERT INTO matched SELECT b.aidx, b.received_at, b.value, b.published_at, s.idx, 'sensor', 's|' || b.sensor || '|' || b.k, s.sn FROM by_sensor b JOIN keyed s ON s.sensor = b.sensor AND s.k = b.k AND ${pick('spos', 'sn')}`);
  // The k-th-arrival rule is the in-memory matcher's only while a key's messages are taken through that key alone.
  const [mixed] = await db.rows('SELECT sidx FROM matched GROUP BY sidx HAVING count(DISTINCT grp) > 1 AND max(n) > 1 LIMIT 1');
  if (mixed) throw new SensortraceError("compare --engine duckdb: several sent messages share a (topic or sensor, profile time) and are also matched another way (by seq or another key); the order-dependent choice between them is the default engine's: leave --engine out", 'E_USAGE', undefined, { option: 'engine' });
}

/** One row per sent message: copies, its first arrival's latency and delay, mismatch, out of order, its outage window, late. */
async function messages(db: DuckdbSession, windows: readonly OutageWindow[]): Promise<void> {
  // The first copy: the least (received_at, aidx); aidx is unique, so the other fields only ride along.
  await db.run(`CREATE TABLE firsts AS SELECT sidx, count(*) AS copies, min({'t': received_at, 'i': aidx, 'v': value, 'p': published_at}) AS f FROM matched GROUP BY sidx`);
  await db.run('CREATE TABLE windows (wi INTEGER, w_start DOUBLE, w_end DOUBLE)');
  const values = windows.map((w, i) => `(${i}, ${w.start}::DOUBLE, ${w.end === null ? 'NULL' : `${w.end}::DOUBLE`})`).join(', ');
  if (values) await db.run(`INSERT INTO windows VALUES ${values}`);
  const window = windows.length ? 'LEFT JOIN windows w ON j.send_time >= w.w_start AND (w.w_end IS NULL OR j.send_time < w.w_end)' : 'LEFT JOIN (SELECT NULL::INTEGER AS wi, NULL::DOUBLE AS w_end) w ON false';
  await db.run(`CREATE TABLE facts AS
    WITH j AS (SELECT s.idx, s.seq, s.sensor, s.topic, s.qos::VARCHAR AS qos, s.send_time, s.value AS s_value, s.published_at AS s_pub, s.planned_at, coalesce(f.copies, 0) AS copies, f.f
      FROM sent s LEFT JOIN firsts f ON f.sidx = s.idx)
    SELECT j.sensor, j.qos, j.copies, j.f.t AS first_at, j.f.t - coalesce(j.s_pub, j.f.p) AS latency, j.f.t - j.planned_at AS delay,
      coalesce(j.f.v IS NOT NULL AND NOT (abs(j.f.v - j.s_value) <= 1e-9::DOUBLE * greatest(1::DOUBLE, abs(j.f.v), abs(j.s_value))), false) AS mismatch,
      j.f IS NOT NULL AND coalesce(j.seq < max(j.seq) OVER (PARTITION BY j.topic ORDER BY j.f.t, j.f.i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS ooo,
      w.wi, coalesce(w.w_end IS NOT NULL AND j.f.t >= w.w_end, false) AS late
    FROM j ${window}`);
}

function round3(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

/** Nearest-rank percentiles and the sorted-order mean of one measure, per slice key. */
async function stats(db: DuckdbSession, measure: 'latency' | 'delay', key: string, where: string): Promise<Map<string, LatencyStats>> {
  const rank = (p: number): string => `least(n, greatest(1, ceil((${p}::DOUBLE / 100::DOUBLE) * n::DOUBLE)))`;
  const rows = await db.rows(`WITH v AS (SELECT ${key} AS key, ${measure} AS v FROM facts WHERE ${measure} IS NOT NULL AND ${where}),
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

/**
 * A slice with as many samples as the whole has the same samples: it reuses the whole's
 * statistics (as slices.ts does), so only slices with fewer are sorted.
 */
async function sliceStats(db: DuckdbSession, measure: 'latency' | 'delay', key: string, whole: LatencyStats | undefined): Promise<Map<string, LatencyStats>> {
  if (whole === undefined) return stats(db, measure, key, 'true');
  const counts = await db.rows(`SELECT ${key} AS key, count(${measure}) AS n FROM facts GROUP BY ${key}`);
  const own = stats(db, measure, key, `${key} IN (SELECT key FROM (SELECT ${key} AS key, count(${measure}) AS n FROM facts GROUP BY ${key}) WHERE n <> ${whole.count})`);
  const out = await own;
  for (const r of counts) if (num(r.n) === whole.count) out.set(String(r.key), { ...whole });
  return out;
}

async function slices(db: DuckdbSession, key: string, whole?: { latency: LatencyStats; delay: LatencyStats }): Promise<Record<string, CompareCounts>> {
  const rows = await db.rows(`SELECT ${key} AS key, count(*) AS sent, sum(copies) AS received, count(first_at) AS delivered, sum(CASE WHEN copies > 0 THEN copies - 1 ELSE 0 END) AS duplicates,
    count(*) FILTER (WHERE ooo) AS ooo, count(*) FILTER (WHERE late) AS late, count(*) FILTER (WHERE mismatch) AS mismatches FROM facts GROUP BY ${key}`);
  const [latency, delay] = [await sliceStats(db, 'latency', key, whole?.latency), await sliceStats(db, 'delay', key, whole?.delay)];
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
  const whole = { latency: all.latency_ms, delay: all.delay_ms! };
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
    by_sensor: await slices(db, 'sensor', whole),
    by_qos: await slices(db, 'qos', whole),
    sent_span: span(spans?.s0, spans?.s1),
    received_span: span(spans?.r0, spans?.r1),
  };
}
