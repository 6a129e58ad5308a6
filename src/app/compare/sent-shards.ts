import { mergeSentTables } from '../../core/compare/merge-sent.js';
import type { SentTable } from '../../core/compare/sent-table.js';
import { inputError } from '../../core/errors.js';
import { isSentLogHeader, readHeader, readSentTable } from '../../io/logs/sent-log-reader.js';
import { readSentParquet } from '../../io/parquet/parquet-log-readers.js';
import { isParquetPath } from '../../io/parquet/parquet-schema.js';

/** The sent input's files: one, or the shards of a partitioned replay. */
export function sentPaths(sent: string | readonly string[]): string[] {
  return typeof sent === 'string' ? [sent] : [...sent];
}

/**
 * Several sent logs (replay --partition 1/N … N/N), CSV or Parquet, read in turn and merged by seq. Only sent logs:
 * a bare profile has no partition to merge.
 */
export async function readSentShards(paths: readonly string[], onWarning?: (message: string) => void): Promise<SentTable> {
  const tables: Array<{ path: string; table: SentTable }> = [];
  for (const path of paths) {
    if (isParquetPath(path)) {
      tables.push({ path, table: await readSentParquet(path) });
      continue;
    }
    const header = await readHeader(path);
    if (!header || !isSentLogHeader(header)) throw inputError({ file: path, line: 1 }, 'several --sent files must each be a sent log (a bare profile is given alone)');
    tables.push({ path, table: await readSentTable(path, onWarning ? { onWarning } : {}) });
  }
  return mergeSentTables(tables);
}
