import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';

/**
 * V8's code cache for the chart bundles (package-builds.ts): a one-shot compare spends ~0.1 s of
 * CPU compiling the functions of vega and vega-lite it runs; with the bytecode of the previous
 * run it skips that. Node 20 has no compile cache of its own (module.enableCompileCache is 22+).
 *
 * Kept in $XDG_CACHE_HOME/sensortrace (else ~/.cache/sensortrace), one file per bundle, named by a
 * hash of the Node version, architecture and the bundle's text. V8 checks the data itself and
 * rejects what does not fit (another V8, other flags, a damaged file): then the bundle compiles as
 * without a cache and the file is written anew. Every failure to read or write is ignored: it is
 * only a cache.
 */

interface Pending {
  script: Script;
  file: string;
}

const toWrite: Pending[] = [];

function cacheFolder(): string | undefined {
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg) return join(xdg, 'sensortrace');
  const home = homedir();
  return home ? join(home, '.cache', 'sensortrace') : undefined;
}

function cacheFile(text: string): string | undefined {
  const folder = cacheFolder();
  if (folder === undefined) return undefined;
  const key = createHash('sha256').update(`${process.version} ${process.arch}\n`).update(text).digest('hex').slice(0, 32);
  return join(folder, `${key}.v8-code-cache`);
}

function readCache(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * `text` as the body of `function (exports, module, require)`, compiled with the cached code when
 * there is a usable one; otherwise remembered for saveCodeCache.
 */
export function compileWithCodeCache(text: string, filename: string): (...args: unknown[]) => unknown {
  const file = cacheFile(text);
  const cachedData = readCache(file);
  // One line, so that the bundle's own line numbers stay right in stack traces.
  const script = new Script(`(function (exports, module, require) {${text}\n})`, { filename, cachedData });
  if (file !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) toWrite.push({ script, file });
  return script.runInThisContext() as (...args: unknown[]) => unknown;
}

/**
 * Writes the code cache of the bundles loaded without one: called once the charts are drawn, so
 * that the functions compiled while drawing are in it. Each file is written whole (renamed into
 * place), so a concurrent run reads either the old file, the new one, or none.
 */
export function saveCodeCache(): void {
  for (const { script, file } of toWrite.splice(0)) {
    const folder = cacheFolder();
    if (folder === undefined) return;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      makeFolder(join(folder, '..'));
      makeFolder(folder);
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, file);
    } catch {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // no folder, nothing to remove
      }
    }
  }
}

function makeFolder(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
