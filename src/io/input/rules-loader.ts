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

export function parseRules(text: string, file: string): RuleSet {
  if (text.length > MAX_RULES_BYTES) throw inputError({ file }, `is larger than ${MAX_RULES_BYTES} bytes`);
  // Core schema only: no custom tags, no merge keys; aliases are capped below (no billion laughs).
  const { doc, lineCounter } = parseYamlDocument(text);
  const problem = doc.errors[0];
  if (problem) {
    const line = lineCounter.linePos(problem.pos[0]).line;
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
