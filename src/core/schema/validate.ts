import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { DURATION_EXAMPLE, durationToMs } from '../duration.js';

/**
 * The one validator for the toolkit's input files (scenario JSON, rules YAML): a JSON Schema
 * checks shapes (types, known fields, allowed values, ranges), and its first failure becomes a
 * `SchemaProblem` worded for people. Meaning (names, expressions, topics, cross-field rules)
 * stays with each format's compiler, which runs on data the schema has already vouched for.
 */
export type Path = Array<string | number>;

export interface SchemaProblem {
  /** Where the problem is: the value itself, or for a missing/unknown field the field's own path. */
  path: Path;
  what: string;
  /** The offending value, shown as `(found "…")`; undefined when nothing is to be shown. */
  found?: string;
  /** For an unknown field: the fields that are known there (formats word this their own way). */
  known?: string[];
}

/**
 * Two keywords of our own: `duration: true` (or `"positive"`) accepts what `durationToMs` reads
 * (the one duration grammar), and a schema node may carry `message`: the wording for any failure of that node's own checks
 * (type, enum, minimum, …), so `qos` says "QoS must be 0, 1 or 2" rather than "must be ≤ 2".
 */
export type Schema = SchemaObject;

let ajv: Ajv | undefined;
const compiled = new WeakMap<Schema, ValidateFunction>();

/** Compiled on first use and kept: commands that never read a file never pay for compiling. */
function validatorFor(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    ajv ??= newAjv();
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

function newAjv(): Ajv {
  // verbose: errors carry the failing value and schema node (for `found` and `message`);
  // strictRequired off: if/then may require a field declared beside it, not inside it.
  // optimize off: compiling (once, on first use) is then several times cheaper; files are small.
  const instance = new Ajv({ allErrors: false, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, code: { optimize: false } });
  instance.addKeyword({ keyword: 'message', schemaType: 'string' });
  instance.addKeyword({
    keyword: 'duration',
    schemaType: ['boolean', 'string'],
    errors: true,
    validate: (kind: boolean | string, data: unknown) => {
      const ms = durationToMs(data);
      return ms !== undefined && (kind !== 'positive' || ms > 0);
    },
  });
  return instance;
}

/** The first problem with `value` against `schema`, or undefined when it conforms. */
export function schemaProblem(schema: Schema, value: unknown): SchemaProblem | undefined {
  const validate = validatorFor(schema);
  if (validate(value)) return undefined;
  const error = pickError(validate.errors ?? []);
  return error ? describeError(error, value) : { path: [], what: 'does not match the expected layout' };
}

/** Of anyOf's branch errors, the one that got furthest into the value says most. */
function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  return [...specific].sort((a, b) => b.instancePath.length - a.instancePath.length)[0] ?? errors[0];
}

function describeError(error: ErrorObject, root: unknown): SchemaProblem {
  const path = pointerToPath(error.instancePath, root);
  const params = error.params as Record<string, unknown>;
  const node = error.parentSchema as Schema | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((node?.properties as Record<string, unknown> | undefined) ?? {});
      return { path: [...path, field], what: `unknown field "${field}" (known: ${known.join(', ')})`, known };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], what: 'is required' };
    case 'minItems':
      return { path, what: params.limit === 1 ? 'expected at least one entry' : `expected at least ${String(params.limit)} entries` };
    case 'minProperties':
    case 'maxProperties': {
      // The fields there are say more than "a mapping" would.
      const fields = Object.keys(error.data as object).join(', ') || undefined;
      return { path, what: typeof node?.message === 'string' ? node.message : fieldCountWording(error.keyword, Number(params.limit)), found: fields };
    }
    default: {
      const message = typeof node?.message === 'string' ? node.message : defaultWording(error, params);
      return { path, what: message, found: describeValue(error.data) };
    }
  }
}

function fieldCountWording(keyword: string, limit: number): string {
  if (keyword === 'minProperties') return limit === 1 ? 'is empty' : `expected at least ${limit} fields`;
  return limit === 1 ? 'expected only one field' : `expected at most ${limit} fields`;
}

function defaultWording(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return `expected ${typeWords(params.type)}`;
    case 'enum':
      return `expected one of: ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `expected ${String(params.allowedValue)}`;
    case 'minimum':
      return `expected a number ≥ ${String(params.limit)}`;
    case 'exclusiveMinimum':
      return `expected a number > ${String(params.limit)}`;
    case 'maximum':
      return `expected a number ≤ ${String(params.limit)}`;
    case 'duration':
      return error.schema === 'positive' ? `expected ${DURATION_EXAMPLE} (more than 0)` : `expected ${DURATION_EXAMPLE}`;
    case 'pattern':
    case 'minLength':
      return 'expected non-empty text';
    default:
      return error.message ?? 'is not valid';
  }
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = String(type).split(',');
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

/** JSON Pointer (`/rules/0/do`) to a path (`['rules', 0, 'do']`); indexes into lists become numbers. */
function pointerToPath(pointer: string, root: unknown): Path {
  if (pointer === '') return [];
  const path: Path = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const step = Array.isArray(node) ? Number(key) : key;
    path.push(step);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

/** How an offending value appears in `(found "…")`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
