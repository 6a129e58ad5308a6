import { dirname, isAbsolute, resolve } from 'node:path';
import { inputError } from '../../core/errors.js';
import { compileRuleSet, type RuleSet } from '../../core/rules/rule-set.js';
import { documentLocator, parseYamlDocument } from '../../core/schema/yaml-lines.js';
import type { LookupTables } from '../../core/rules/engine.js';
import { loadLookupTable } from './lookup-table.js';
import { readSmallTextFile } from './input-file.js';

export interface LoadedRules {
  path: string;
  ruleSet: RuleSet;
  tables: LookupTables;
  /** Where each table came from (resolved paths), so a processor can reload them when they change. */
  tableFiles: Array<{ name: string; path: string; key: string }>;
}

/** Rules files are small: anything bigger is a mistake or an attack. */
const MAX_RULES_BYTES = 1024 * 1024;

/**
 * Reads a rules file (YAML, or JSON which is YAML too, so both get line numbers in errors),
 * validates it, and loads its lookup tables. Relative table paths are relative to the rules file.
 */
export async function loadRules(path: string): Promise<LoadedRules> {
  const text = readSmallTextFile(path, 'rules file', MAX_RULES_BYTES);
  const ruleSet = parseRules(text, path);
  const tables: LookupTables = new Map();
  const tableFiles: LoadedRules['tableFiles'] = [];
  for (const source of ruleSet.data) {
    if (source.kind !== 'file') continue;
    const file = isAbsolute(source.file) ? source.file : resolve(dirname(path), source.file);
    tables.set(source.name, await loadLookupTable(file, source.key));
    tableFiles.push({ name: source.name, path: file, key: source.key });
  }
  return { path, ruleSet, tables, tableFiles };
}

/** Deeper nesting than any rules file needs; the YAML parser recurses per level and would run out of stack. */
const MAX_NESTING = 64;

/**
 * The line where `[`/`{` nesting (YAML flow style, JSON) goes deeper than MAX_NESTING, if it
 * does. Quoted text and comments are skipped; block nesting needs two spaces a level, so the
 * 1 MiB cap keeps it shallow enough.
 */
function tooDeepAt(text: string): number | undefined {
  let depth = 0;
  let line = 1;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = (end < 0 ? text.length : end) - 1;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

export function parseRules(text: string, file: string): RuleSet {
  if (text.length > MAX_RULES_BYTES) throw inputError({ file }, `is larger than ${MAX_RULES_BYTES} bytes`);
  const deep = tooDeepAt(text);
  if (deep !== undefined) throw inputError({ file, line: deep }, `nested more than ${MAX_NESTING} levels deep`);
  // Core schema only: no custom tags, no merge keys; aliases are capped below (no billion laughs).
  const { doc, lineCounter } = parseYamlDocument(text);
  const problem = doc.errors[0];
  if (problem) {
    const line = lineCounter.linePos(problem.pos[0]).line;
    // Block nesting hundreds of levels deep runs the YAML parser out of stack: say so in the file's terms.
    if (/call stack/i.test(problem.message)) throw inputError({ file, line }, 'nested too deeply (the YAML parser ran out of stack)');
    throw inputError({ file, line }, `not valid YAML/JSON: ${problem.message.split('\n')[0]}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    throw inputError({ file }, `cannot read: ${(error as Error).message}`);
  }
  return compileRuleSet(raw, file, documentLocator(doc, lineCounter));
}
