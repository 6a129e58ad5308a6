import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A JSON-schema (draft-07) validator for exactly the keywords the Vega-Lite schema uses
 * ($ref, anyOf, type, enum, const, properties, required, additionalProperties, items,
 * min/maxItems, min/maxLength, minimum/maximum, minProperties; `format` is advisory). ajv is
 * not installed, and this subset is small enough to check completely: SCHEMA_KEYWORDS lists
 * what is handled, and a test fails if the schema starts using anything else.
 */
type Schema = Record<string, unknown> | boolean;

export const SCHEMA_KEYWORDS = new Set(['$ref', '$schema', 'additionalProperties', 'anyOf', 'const', 'definitions', 'description', 'enum', 'format', 'items', 'maxItems', 'maxLength', 'maximum', 'minItems', 'minLength', 'minProperties', 'minimum', 'properties', 'required', 'type']);

// vega-lite's package exports do not expose the schema file: read it from node_modules.
const schemaPath = join(import.meta.dirname, '../../../node_modules/vega-lite/build/vega-lite-schema.json');
export const vegaLiteSchema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(expected: string, value: unknown): boolean {
  const actual = typeOf(value);
  return expected === actual || (expected === 'number' && actual === 'integer');
}

export function validate(value: unknown, schema: Schema = vegaLiteSchema, root = vegaLiteSchema, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\/definitions\//, '');
    const resolved = (root.definitions as Record<string, Schema>)[decodeURIComponent(target)];
    if (resolved === undefined) return [`${path}: unresolved ${schema.$ref}`];
    return validate(value, resolved, root, path);
  }
  if (Array.isArray(schema.anyOf)) {
    const attempts = (schema.anyOf as Schema[]).map((s) => validate(value, s, root, path));
    if (!attempts.some((a) => a.length === 0)) {
      const closest = attempts.reduce((a, b) => (b.length < a.length ? b : a));
      return [`${path}: matches none of ${attempts.length} alternatives; closest: ${closest.slice(0, 3).join('; ')}`];
    }
  }
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, value))) return [`${path}: expected ${types.join('|')}, found ${typeOf(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) errors.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errors.push(`${path}: too short`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${path}: too long`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`);
    if (Array.isArray(schema.items)) (schema.items as Schema[]).forEach((s, i) => i < value.length && errors.push(...validate(value[i], s, root, `${path}[${i}]`)));
    else if (schema.items !== undefined) value.forEach((item, i) => errors.push(...validate(item, schema.items as Schema, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) errors.push(`${path}: missing ${name}`);
    if (typeof schema.minProperties === 'number' && Object.keys(object).length < schema.minProperties) errors.push(`${path}: too few properties`);
    for (const [name, item] of Object.entries(object)) {
      if (name in properties) errors.push(...validate(item, properties[name]!, root, `${path}.${name}`));
      else if (schema.additionalProperties !== undefined) errors.push(...validate(item, schema.additionalProperties as Schema, root, `${path}.${name}`));
    }
  }
  return errors;
}
