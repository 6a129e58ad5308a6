/**
 * readSentTable() on a worker thread: this module is both the caller's side and, started with a
 * marker in workerData, the worker's side.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SensortraceError, type ErrorCode, type SourceLocation } from '../../core/errors.js';
import { SentTable, type SentColumns } from '../../core/compare/match.js';
import { readSentTable, type ReaderOptions } from './sent-log-reader.js';

/** Sent logs this large are worth a thread of their own (starting one costs ~50 ms). */
const BACKGROUND_MIN_BYTES = 4 * 1024 * 1024;

type WorkerReply =
  | { kind: 'warning'; message: string }
  | { kind: 'table'; columns: SentColumns }
  | { kind: 'error'; message: string; code: ErrorCode; location?: SourceLocation };

/**
 * readSentTable() on a worker thread, so a caller can read the trace at the same time (the two
 * files take about as long each). Small files, and runs from TypeScript sources (tests), are
 * read here instead. The columns come back as transferred buffers: no copy. Errors keep their
 * message and code; `signal` stops the worker (the caller failed elsewhere).
 */
export function readSentTableInBackground(path: string, options: ReaderOptions & { signal?: AbortSignal } = {}): Promise<SentTable> {
  const self = fileURLToPath(import.meta.url);
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // Let readSentTable report the missing file the usual way.
  }
  if (!self.endsWith('.js') || size < BACKGROUND_MIN_BYTES) return readSentTable(path, options);
  return new Promise<SentTable>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(self, { workerData: { sensortraceSentTable: path } });
    const settle = (error: Error | undefined, table?: SentTable): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', stop);
      if (error) reject(error);
      else resolve(table!);
    };
    const stop = (): void => {
      void worker.terminate();
      settle(new SensortraceError(`${path}: reading stopped`, 'E_INPUT', { file: path }));
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'warning') options.onWarning?.(reply.message);
      else if (reply.kind === 'table') settle(undefined, SentTable.fromColumns(reply.columns));
      else settle(new SensortraceError(reply.message, reply.code, reply.location));
    });
    worker.on('error', (error) => settle(new SensortraceError(`${path}: cannot read: ${error.message}`, 'E_INTERNAL', { file: path }, { cause: error })));
    worker.on('exit', (code) => settle(new SensortraceError(`${path}: reader thread ended (exit ${code}) without a result`, 'E_INTERNAL', { file: path })));
  });
}

// The worker side of readSentTableInBackground(): this module, started with that marker.
const job = isMainThread ? undefined : (workerData as { sensortraceSentTable?: unknown } | undefined)?.sensortraceSentTable;
if (typeof job === 'string' && parentPort) {
  const port = parentPort;
  readSentTable(job, { onWarning: (message) => port.postMessage({ kind: 'warning', message } satisfies WorkerReply) }).then(
    (table) => {
      const columns = table.toColumns();
      const buffers = [columns.seq, columns.sensorId, columns.topicId, columns.qos, columns.profileTime, columns.value, columns.plannedAt, columns.publishedAt].map((a) => a.buffer as ArrayBuffer);
      port.postMessage({ kind: 'table', columns } satisfies WorkerReply, buffers);
    },
    (error: unknown) => {
      const e = error instanceof SensortraceError ? error : new SensortraceError((error as Error).message, 'E_INTERNAL');
      port.postMessage({ kind: 'error', message: e.message, code: e.code, location: e.location } satisfies WorkerReply);
    },
  );
}
