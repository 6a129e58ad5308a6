import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

/**
 * Vega-Lite specs checked against the schema Vega-Lite publishes (draft-07), with ajv. The
 * schema file ships in the vega-lite package, whose exports do not expose it: read from
 * node_modules. `strict: false` because the schema uses keywords ajv's strict mode objects to
 * (e.g. unknown `format`s); formats are advisory in draft-07 and not checked.
 */
const modulePath = join(import.meta.dirname, '../../../node_modules/vega-lite');
export const vegaLiteSchema = JSON.parse(readFileSync(join(modulePath, 'build/vega-lite-schema.json'), 'utf8')) as Record<string, unknown>;
/** The installed vega-lite's version (its package.json is not exported either). */
export const vegaLiteVersion = (JSON.parse(readFileSync(join(modulePath, 'package.json'), 'utf8')) as { version: string }).version;

// Compiling the 1.9 MB schema takes seconds: once per test file, on first use.
let compiled: ReturnType<Ajv['compile']> | undefined;

/** The spec's schema violations as `path: message` lines; empty when it is valid Vega-Lite. */
export function validate(spec: unknown): string[] {
  compiled ??= new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(vegaLiteSchema);
  if (compiled(spec)) return [];
  return [...new Set((compiled.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`))];
}
