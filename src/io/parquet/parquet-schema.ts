/**
 * The Parquet layout of sensortrace's own logs: the same columns as the CSV (SENT_COLUMNS,
 * TRACE_COLUMNS), typed. Times are TIMESTAMP(MICROS, UTC): the CSV keeps epoch ms with 3
 * decimals, i.e. whole microseconds, and so does Parquet — the integer is exactly the CSV's
 * digits without the dot, so a Parquet log and a CSV log of the same run compare alike.
 */
import type { ParquetWriter } from 'hyparquet-writer';

/** The writer's own schema type (hyparquet-writer bundles its own hyparquet types). */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

export type ParquetColumnKind = 'timestamp' | 'int32' | 'int64' | 'double' | 'string' | 'bytes' | 'boolean';

export interface ParquetColumn {
  name: string;
  kind: ParquetColumnKind;
  /** Absent values allowed (OPTIONAL); otherwise REQUIRED. */
  optional: boolean;
}

const col = (name: string, kind: ParquetColumnKind, optional = false): ParquetColumn => ({ name, kind, optional });

/** replay --log x.parquet (SENT_COLUMNS order). */
export const SENT_PARQUET_COLUMNS: readonly ParquetColumn[] = [
  col('seq', 'int64'),
  col('sensor', 'string'),
  col('topic', 'string'),
  col('qos', 'int32'),
  col('retain', 'boolean'),
  col('profile_time', 'timestamp'),
  col('value', 'double', true),
  col('planned_at', 'timestamp'),
  col('published_at', 'timestamp', true),
  col('acked_at', 'timestamp', true),
  col('payload', 'string'),
];

/** replay --connections N > 1: which connection sent the row (the CSV's trailing `connection` column). */
export const SENT_PARQUET_CONNECTION_COLUMN: ParquetColumn = col('connection', 'int32', true);

/** trace -o x.parquet (TRACE_COLUMNS order); payload holds the raw bytes. */
export const TRACE_PARQUET_COLUMNS: readonly ParquetColumn[] = [
  col('received_at', 'timestamp'),
  col('topic', 'string'),
  col('qos', 'int32'),
  col('retain', 'boolean'),
  col('dup', 'boolean'),
  col('payload', 'bytes'),
  col('seq', 'int64', true),
  col('sensor', 'string', true),
  col('profile_time', 'timestamp', true),
  col('value', 'double', true),
  col('published_at', 'timestamp', true),
  col('latency_ms', 'double', true),
];

function element(c: ParquetColumn): SchemaElement {
  const repetition_type = c.optional ? 'OPTIONAL' : 'REQUIRED';
  switch (c.kind) {
    case 'timestamp':
      return { name: c.name, type: 'INT64', repetition_type, converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } };
    case 'int32':
      return { name: c.name, type: 'INT32', repetition_type };
    case 'int64':
      return { name: c.name, type: 'INT64', repetition_type };
    case 'double':
      return { name: c.name, type: 'DOUBLE', repetition_type };
    case 'string':
      return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'bytes':
      return { name: c.name, type: 'BYTE_ARRAY', repetition_type };
    case 'boolean':
      return { name: c.name, type: 'BOOLEAN', repetition_type };
  }
}

export function parquetSchema(columns: readonly ParquetColumn[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.map(element)];
}

/**
 * Epoch ms (with a fraction) → whole microseconds, rounded as the CSV's `toFixed(3)` rounds:
 * the whole milliseconds and the fraction are split exactly, so only a fraction within a hair
 * of a half microsecond needs toFixed itself to decide.
 */
export function microsOf(ms: number): number {
  const whole = Math.floor(ms);
  const frac = (ms - whole) * 1000;
  const rounded = Math.round(frac);
  if (Math.abs(frac - Math.floor(frac) - 0.5) > 1e-6) return whole * 1000 + rounded;
  return Number(ms.toFixed(3).replace('.', ''));
}

/** Microseconds (bigint, as a reader gives them) → epoch ms, exactly what the CSV's text parses to. */
export function msOfMicros(micros: bigint | number): number {
  return Number(micros) / 1000;
}

export function isParquetPath(path: string): boolean {
  return /\.parquet$/i.test(path);
}

/**
 * Beside `x.parquet` while it is written: the same rows as CSV, flushed as the CSV log would be
 * (before acknowledgements, on the flush timer). Removed once the Parquet footer is written; after
 * a crash (SIGKILL, power) it is the readable copy, as the Parquet file has no footer yet.
 */
export function journalPathFor(path: string): string {
  return `${path}.journal.csv`;
}
