import { existsSync } from 'node:fs';
import { inputError } from '../../core/errors.js';
import type { ConnectionEvent, ConnectionEventKind } from '../../core/records.js';
import { readCsvRecords } from '../csv/csv-file-reader.js';
import { Columns } from './log-columns.js';

const KINDS = new Set<ConnectionEventKind>(['connect', 'offline', 'reconnect', 'close', 'error', 'session_lost', 'subscribe', 'broker_stop', 'broker_start', 'fault_start', 'fault_end']);

/**
 * Reads an events file (EVENT_COLUMNS). Event names this version does not know are skipped,
 * so newer writers do not break older readers; a bad time is an error with file:line.
 */
export async function readEvents(path: string): Promise<ConnectionEvent[]> {
  const out: ConnectionEvent[] = [];
  let columns: Columns | undefined;
  for await (const { cells, line } of readCsvRecords(path, { partialLastLine: 'skip' })) {
    if (!columns) {
      columns = new Columns(path, cells);
      columns.require(['at', 'source', 'event'], 'events file');
      continue;
    }
    if (cells.length === 1 && cells[0] === '') continue;
    const event = columns.text(cells, 'event') as ConnectionEventKind | undefined;
    if (event === undefined || !KINDS.has(event)) continue;
    const entry: ConnectionEvent = { at: columns.number(cells, 'at', line, true)!, source: columns.text(cells, 'source') ?? '', event };
    const present = columns.text(cells, 'session_present');
    if (present !== undefined) {
      if (present !== '0' && present !== '1') throw inputError({ file: path, line, field: 'session_present' }, 'expected 1 or 0', present);
      entry.sessionPresent = present === '1';
    }
    const detail = columns.text(cells, 'detail');
    if (detail !== undefined) entry.detail = detail;
    out.push(entry);
  }
  return out;
}

/** Reads those of the given events files that exist (beside-the-input files are optional). */
export async function readEventsIfPresent(paths: readonly string[]): Promise<{ events: ConnectionEvent[]; read: string[] }> {
  const events: ConnectionEvent[] = [];
  const read: string[] = [];
  for (const path of [...new Set(paths)]) {
    if (!existsSync(path)) continue;
    events.push(...(await readEvents(path)));
    read.push(path);
  }
  return { events, read };
}
