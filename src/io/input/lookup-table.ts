import { inputError } from '../../core/errors.js';
import type { ScalarValue, Variables } from '../../core/expression/evaluate.js';
import { readCsvRecords } from '../csv/csv-file-reader.js';
import { INPUT_LIMITS, readSmallTextFile } from './input-file.js';

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * A lookup table for rules ("separate data" in ECA terms): rows keyed by one column, e.g.
 * per-sensor thresholds. CSV with a header, or JSON: `{"<key>": {...}, ...}` or `[{...}, ...]`.
 * Numeric-looking cells become numbers. A row keyed `*` is the default for unlisted keys.
 */
export async function loadLookupTable(path: string, keyColumn: string): Promise<Map<string, Variables>> {
  return /\.json$/i.test(path) ? loadJsonTable(path, keyColumn) : loadCsvTable(path, keyColumn);
}

async function loadCsvTable(path: string, keyColumn: string): Promise<Map<string, Variables>> {
  const rows = new Map<string, Variables>();
  let header: string[] | undefined;
  let keyIndex = -1;
  for await (const record of readCsvRecords(path, { partialLastLine: 'accept', what: 'lookup table' })) {
    if (record.cells.length === 1 && record.cells[0]!.trim() === '') continue;
    if (!header) {
      header = record.cells.map((c) => c.trim());
      keyIndex = header.indexOf(keyColumn);
      if (keyIndex < 0) throw inputError({ file: path, line: record.line, field: 'header' }, `has no key column "${keyColumn}"`, header.join(','));
      continue;
    }
    const key = record.cells[keyIndex]?.trim();
    if (!key) throw inputError({ file: path, line: record.line, field: keyColumn }, 'the key cell is empty');
    const row = header.map((name, i) => [name, cellValue(record.cells[i] ?? '')] as const);
    rows.set(key, Object.fromEntries(row));
  }
  if (!header) throw inputError({ file: path }, 'is empty (expected a header line)');
  return rows;
}

function loadJsonTable(path: string, keyColumn: string): Map<string, Variables> {
  const text = readSmallTextFile(path, 'lookup table', INPUT_LIMITS.tableFileBytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw inputError({ file: path }, `is not valid JSON: ${(error as Error).message}`);
  }
  const rows = new Map<string, Variables>();
  const add = (key: string, value: unknown, where: string): void => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw inputError({ file: path, field: where }, 'each row must be an object of values');
    const row: Array<[string, ScalarValue]> = [];
    for (const [name, cell] of Object.entries(value)) {
      if (typeof cell === 'number' || typeof cell === 'boolean') row.push([name, cell]);
      else if (typeof cell === 'string') row.push([name, cellValue(cell)]);
      else if (cell !== null) throw inputError({ file: path, field: `${where}.${name}` }, 'expected a number, text or true/false', JSON.stringify(cell));
    }
    rows.set(key, Object.fromEntries(row));
  };
  if (Array.isArray(parsed)) {
    parsed.forEach((item, i) => {
      const key = item && typeof item === 'object' ? (item as Record<string, unknown>)[keyColumn] : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') throw inputError({ file: path, field: `[${i}]` }, `has no "${keyColumn}" key`);
      add(String(key), item, `[${i}]`);
    });
  } else if (parsed && typeof parsed === 'object') {
    for (const [key, value] of Object.entries(parsed)) add(key, { [keyColumn]: key, ...(value as object) }, key);
  } else throw inputError({ file: path }, 'expected an object keyed by sensor or a list of rows');
  return rows;
}

function cellValue(cell: string): ScalarValue {
  if (NUMBER.test(cell)) return Number(cell);
  const trimmed = cell.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  return cell;
}
