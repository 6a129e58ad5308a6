/**
 * Reading sensortrace's own logs by column name: the header maps names to positions once, and
 * cells are read by position with the writer's formula escape undone. Shared by the sent-log,
 * trace and events readers.
 */
import { unescapeFormula } from '../../core/csv/csv.js';
import { inputError } from '../../core/errors.js';
import type { Qos } from '../../core/records.js';

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A plain decimal (`-12.345`, at most 2^53 as digits, at most 22 decimals), NaN for anything
 * else. Exactly Number(text): the digits make an exact integer and one division by an exact
 * power of ten is correctly rounded (Clinger's fast path); just without the general parser.
 */
export function parseDecimal(text: string): number {
  const n = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let m = 0;
  let digits = 0;
  let scale = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) scale++;
    } else if (c === 46 && !dot) dot = true;
    else return NaN;
  }
  if (digits === 0 || m > Number.MAX_SAFE_INTEGER || scale > 22) return NaN;
  const v = scale === 0 ? m : m / POW10[scale]!;
  return negative ? -v : v;
}

/** Column lookup by header name, so extra or reordered columns do not matter. */
export class Columns {
  private readonly index = new Map<string, number>();
  constructor(
    readonly file: string,
    header: string[],
  ) {
    header.forEach((name, i) => {
      const key = name.trim().toLowerCase();
      if (!this.index.has(key)) this.index.set(key, i);
    });
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  require(names: readonly string[], what: string): void {
    const missing = names.filter((n) => !this.index.has(n));
    if (missing.length) throw inputError({ file: this.file, line: 1 }, `not a ${what}: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }

  /**
   * A cell's text exactly as written, with the writer's spreadsheet-formula escape undone;
   * undefined when empty. Never trimmed: `rt/x/ ` and `rt/x/` are different topics.
   */
  text(cells: string[], name: string): string | undefined {
    const i = this.index.get(name);
    if (i === undefined) return undefined;
    const cell = cells[i];
    return cell === undefined || cell === '' ? undefined : unescapeFormula(cell);
  }

  /** text() by position. No leading apostrophe (the common case) means nothing to unescape. */
  textAt(cells: string[], i: number, name: string): string | undefined {
    const cell = cells[i];
    if (cell !== undefined && cell.length > 0 && cell.charCodeAt(0) !== 39) return cell;
    return this.text(cells, name);
  }

  /** Position of a column, -1 when absent: resolve once, then read every row by position. */
  at(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /**
   * number() by position. A cell starting with a digit needs neither trimming (Number() skips
   * trailing blanks) nor the formula escape undone, so most cells are one Number() call.
   */
  numberAt(cells: string[], i: number, name: string, line: number, required = false): number | undefined {
    const cell = cells[i];
    if (cell !== undefined) {
      const c = cell.charCodeAt(0);
      if ((c >= 48 && c <= 57) || c === 45) {
        const n = parseDecimal(cell);
        if (!Number.isNaN(n)) return n;
      }
    }
    return this.number(cells, name, line, required);
  }

  number(cells: string[], name: string, line: number, required = false): number | undefined {
    // Numbers, unlike text, may carry blanks around them (hand-edited files).
    const cell = this.text(cells, name)?.trim();
    if (cell === undefined || cell === '') {
      if (required) throw inputError({ file: this.file, line, field: name }, 'a value is required here', '');
      return undefined;
    }
    const n = Number(cell);
    if (!Number.isFinite(n)) throw inputError({ file: this.file, line, field: name }, 'not a number', cell);
    return n;
  }

  qos(cells: string[], line: number): Qos | undefined {
    const n = this.number(cells, 'qos', line);
    if (n === undefined) return undefined;
    if (n !== 0 && n !== 1 && n !== 2) throw inputError({ file: this.file, line, field: 'qos' }, 'QoS must be 0, 1 or 2', String(n));
    return n;
  }
}

/** Topics and sensor names repeat on every row: one string per distinct name keeps a million rows small. */
export class Interner {
  private readonly seen = new Map<string, string>();
  get(text: string): string {
    let kept = this.seen.get(text);
    if (kept === undefined) this.seen.set(text, (kept = text));
    return kept;
  }
}
