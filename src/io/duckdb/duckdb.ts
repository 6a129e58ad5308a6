/**
 * DuckDB for `compare --engine duckdb`: @duckdb/node-api is an optional dependency, loaded only
 * here and only when asked for. One in-process database in a folder of its own (spilled data
 * goes there, and is removed with it), with a memory limit, so a comparison larger than memory
 * runs from disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SensortraceError } from '../../core/errors.js';

export interface DuckdbOptions {
  /** Folder under which the database's spill folder is made (removed on close). */
  tempParent: string;
  /** DuckDB memory_limit, e.g. '2GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Aborting interrupts the running query (Ctrl+C / SIGTERM): see stoppedError(). */
  signal?: AbortSignal;
}

/** What a comparison stopped by a signal ends with: there is no report to give, nothing is written. */
export function stoppedError(): SensortraceError {
  return new SensortraceError('compare --engine duckdb: stopped by a signal before the report was complete; nothing written', 'E_INTERNAL');
}

type Cell = unknown;

/** The few calls the engine makes: statements, and rows as objects. */
export interface DuckdbSession {
  run(sql: string): Promise<void>;
  rows(sql: string): Promise<Array<Record<string, Cell>>>;
  /** Appends rows to a table (for inputs read by sensortrace's own readers). */
  append(table: string, rows: Iterable<readonly Cell[]>): Promise<void>;
  close(): void;
}

type NodeApi = typeof import('@duckdb/node-api');

async function loadNodeApi(): Promise<NodeApi> {
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    throw new SensortraceError(`--engine duckdb needs the optional package @duckdb/node-api, which is not installed here (${(error as Error).message.split('\n')[0]}): npm install @duckdb/node-api, or leave --engine out`, 'E_USAGE', undefined, { option: 'engine', cause: error });
  }
}

export async function openDuckdb(options: DuckdbOptions): Promise<DuckdbSession> {
  const api = await loadNodeApi();
  const folder = mkdtempSync(join(options.tempParent, '.duckdb-'));
  let instance: Awaited<ReturnType<typeof api.DuckDBInstance.create>>;
  let connection: Awaited<ReturnType<typeof instance.connect>>;
  try {
    instance = await api.DuckDBInstance.create(':memory:', {
      memory_limit: options.memoryLimit ?? '2GB',
      threads: String(options.threads ?? 2),
      temp_directory: folder,
      preserve_insertion_order: 'true',
    });
    connection = await instance.connect();
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw new SensortraceError(`--engine duckdb: cannot start DuckDB: ${(error as Error).message}`, 'E_USAGE', undefined, { option: 'engine', cause: error });
  }
  const signal = options.signal;
  const interrupt = (): void => connection.interrupt();
  signal?.addEventListener('abort', interrupt);
  /** A query, stopped by the signal: before it starts, or interrupted while it runs. */
  const guarded = async <T>(query: () => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw stoppedError();
    try {
      return await query();
    } catch (error) {
      throw signal?.aborted ? stoppedError() : error;
    }
  };
  return {
    async run(sql) {
      await guarded(() => connection.run(sql));
    },
    async rows(sql) {
      const reader = await guarded(() => connection.runAndReadAll(sql));
      return reader.getRowObjects() as Array<Record<string, Cell>>;
    },
    async append(table, rows) {
      const appender = await connection.createAppender(table);
      for (const row of rows) {
        for (const cell of row) {
          if (cell === null || cell === undefined || (typeof cell === 'number' && Number.isNaN(cell))) appender.appendNull();
          else if (typeof cell === 'number') appender.appendDouble(cell);
          else appender.appendVarchar(String(cell));
        }
        appender.endRow();
      }
      appender.closeSync();
    },
    close() {
      signal?.removeEventListener('abort', interrupt);
      connection.closeSync();
      instance.closeSync();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A string as a SQL literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
