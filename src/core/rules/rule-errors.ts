import { inputError, type SensortraceError } from '../errors.js';
import { NO_LINES, type Locate } from '../schema/json-lines.js';
import type { Path } from '../schema/validate.js';

type Json = Record<string, unknown>;
const SECTIONS: Record<string, string> = { transforms: 'transform', rules: 'rule' };

/**
 * Errors in a rules file: `file:line: rule "hot", do[1].publish.qos: what (found "…")`. The
 * field is named after the rule it belongs to, so a path into the document is all a check needs.
 */
export class RuleErrors {
  constructor(
    private readonly file: string,
    /** The document as written (before short forms were spelled out), for line numbers. */
    private readonly written: unknown,
    private readonly locate: Locate = NO_LINES,
  ) {}

  /** `label` overrides the field's name (e.g. the rule alone for a problem with the whole rule). */
  at(path: Path, what: string, found?: string, label = fieldLabel(this.written, path)): SensortraceError {
    const line = this.locate(writtenPath(this.written, path));
    return inputError({ file: this.file, ...(line === undefined ? {} : { line }), field: label }, what, found);
  }

  /** The label of a place: `rule "hot", window`, `rules[2]`. */
  label(path: Path): string {
    return fieldLabel(this.written, path);
  }

  /** The label of a whole rule or transform: `rule "hot"`. */
  item(path: Path): string {
    return itemLabel(this.written, String(path[0]), Number(path[1]));
  }
}

/** `rule "hot"` for ['rules', 0], `transforms[2]` when the item is not even a mapping. */
export function itemLabel(written: unknown, section: string, index: number): string {
  const item = (written as Json | undefined)?.[section];
  const entry = Array.isArray(item) ? (item[index] as unknown) : undefined;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return `${section}[${index + 1}]`;
  const name = (entry as Json).name;
  const kind = SECTIONS[section] ?? section;
  return `${kind} "${typeof name === 'string' || typeof name === 'number' ? String(name) : `${kind}${index + 1}`}"`;
}

/** How the docs name a place in the rules file: `data "limits", topic`, `rule "p", events.a`. */
export function fieldLabel(written: unknown, path: Path): string {
  const [section, key, ...rest] = path;
  if (section === undefined) return 'the rules file';
  if (key === undefined) return String(section);
  const head = typeof key === 'number' ? itemLabel(written, String(section), key) : `${String(section)} "${key}"`;
  if (rest.length === 0) return typeof key === 'number' ? `${String(section)}[${key + 1}]` : head;
  return `${head}, ${rest.map((step, i) => (typeof step === 'number' ? `[${step + 1}]` : i === 0 ? step : `.${step}`)).join('')}`;
}

/**
 * The path as written: a short form (one action without a list, `a: topic` for an event) has
 * no step for the list index or for `topic`, so those steps are dropped to find the line.
 */
function writtenPath(written: unknown, path: Path): Path {
  const out: Path = [];
  let node = written;
  for (const step of path) {
    if (typeof step === 'number' && !Array.isArray(node)) continue;
    if (node === null || typeof node !== 'object') break;
    out.push(step);
    node = (node as Record<string | number, unknown>)[step];
  }
  return out;
}
