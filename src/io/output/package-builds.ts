import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import { SensortraceError } from '../../core/errors.js';

/**
 * The single-file builds that vega and vega-lite ship beside their entry points (build/*.min.js),
 * read once per process: the interactive pages inline vega's, and the chart renderer runs the
 * same file instead of importing vega's ES modules. Those are ~300 files (every vega-* package
 * and d3 module, one file per function); resolving, reading and compiling them took ~0.2 s of
 * CPU, the one file takes ~0.05 s, and draws byte-identical pictures (same version, same code).
 */
const texts = new Map<string, string>();
const pending = new Map<string, Promise<string>>();

function buildPath(pkg: string, file: string): string {
  // The package's entry point is in its build/ folder, beside the single-file builds.
  return join(dirname(fileURLToPath(import.meta.resolve(pkg))), file);
}

function unreadable(pkg: string, file: string, error: unknown): SensortraceError {
  return new SensortraceError(`charts need ${pkg}'s ${file}: ${(error as Error).message}`, 'E_INTERNAL', undefined, { cause: error });
}

/** The text of `pkg`'s build/`file`, read on first use. */
export function packageBuild(pkg: string, file: string): string {
  const key = `${pkg}/${file}`;
  let text = texts.get(key);
  if (text === undefined) {
    try {
      text = readFileSync(buildPath(pkg, file), 'utf8');
    } catch (error) {
      throw unreadable(pkg, file, error);
    }
    texts.set(key, text);
  }
  return text;
}

/** As packageBuild, without blocking: the file is read while other work goes on. */
export function packageBuildAsync(pkg: string, file: string): Promise<string> {
  const key = `${pkg}/${file}`;
  const text = texts.get(key);
  if (text !== undefined) return Promise.resolve(text);
  let reading = pending.get(key);
  if (!reading) {
    reading = (async () => {
      const path = buildPath(pkg, file);
      const read = await readFile(path, 'utf8').catch((error: unknown) => {
        throw unreadable(pkg, file, error);
      });
      texts.set(key, read);
      pending.delete(key);
      return read;
    })();
    pending.set(key, reading);
  }
  return reading;
}

/**
 * Runs `pkg`'s UMD build/`file` as CommonJS: `require` answers only the names in `dependencies`
 * (vega-lite's build asks for "vega"). The packages are ES modules, so Node would not load it so.
 */
export async function loadUmdBuild<T>(pkg: string, file: string, dependencies: Record<string, unknown> = {}): Promise<T> {
  const text = await packageBuildAsync(pkg, file);
  const filename = buildPath(pkg, file);
  const module = { exports: {} as Record<string, unknown> };
  const require = (id: string): unknown => {
    if (id in dependencies) return dependencies[id];
    throw new SensortraceError(`${filename} asks for "${id}", which is not provided`, 'E_INTERNAL');
  };
  const run = compileFunction(text, ['exports', 'module', 'require'], { filename }) as (exports: unknown, module: unknown, require: unknown) => void;
  run(module.exports, module, require);
  return module.exports as T;
}
