import { accessSync, closeSync, constants, mkdirSync, openSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SensortraceError } from '../../core/errors.js';

/*
 * Output paths are checked and their folders created here, never with
 * `mkdirSync(dir, { recursive: true })`: on Node 20 that call never returns (a core at ~95%,
 * signals ignored) when a level cannot be created but its parent exists, as under /proc, where
 * mkdir answers ENOENT and Node's recursive walk retries for ever. Here every level is created
 * on its own, once, so any refusal is an error with the path named.
 */

function outputError(path: string, what: string, cause?: unknown): SensortraceError {
  return new SensortraceError(`${path}: cannot write here: ${what}`, 'E_OUTPUT', { file: path }, cause === undefined ? undefined : { cause });
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOTDIR: a file stands where a folder is needed (`notes.txt/out.csv`); the walk up finds and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw outputError(path, (error as Error).message, error);
  }
}

/** The folders of `dir` that do not exist yet, outermost first, and the nearest one that does. */
function missingFolders(dir: string, shownPath: string): { existing: string; missing: string[] } {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const stats = statOrUndefined(at);
    if (stats) {
      if (!stats.isDirectory()) throw outputError(shownPath, `${at} is a file, not a folder`);
      return { existing: at, missing: missing.reverse() };
    }
    const parent = dirname(at);
    // The root always exists; this only guards against a path that never reaches it.
    if (parent === at) throw outputError(shownPath, `${at} does not exist`);
    missing.push(at);
    at = parent;
  }
}

let probes = 0;

/**
 * Whether files can be made in `folder`, found by making one (empty, removed at once): root
 * passes every permission check, yet cannot create anything under /proc or /sys or on a
 * read-only mount, and only trying tells.
 */
function checkWritableFolder(folder: string, shownPath: string): void {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    const probe = join(folder, `.sensortrace-probe-${process.pid}-${++probes}`);
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    // A probe left by an earlier process of the same id: the folder took it, so it takes files.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw outputError(shownPath, `cannot create anything in ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
  }
}

/**
 * Checks, without touching anything, that a file could be written at `path`: not a folder,
 * writable if it exists, else under a chain of folders that exist or could be created below a
 * writable one. What only the write can tell (a full disk, a read-only mount seen as writable
 * by root) still fails at the write, with the same error code.
 */
export function checkOutputPath(path: string): void {
  const full = resolve(path);
  const stats = statOrUndefined(full);
  if (stats?.isDirectory()) throw outputError(path, 'is a folder, not a file');
  if (stats) {
    try {
      accessSync(full, constants.W_OK);
    } catch (error) {
      throw outputError(path, `not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
    }
    return;
  }
  checkWritableFolder(missingFolders(dirname(full), path).existing, path);
}

/** Creates each missing folder of `dir` in turn (never recursively: see the note at the top). */
function createFolders(dir: string, shownPath: string): void {
  const { existing, missing } = missingFolders(dir, shownPath);
  if (missing.length > 0) checkWritableFolder(existing, shownPath);
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      // Another process made it in between: fine, as long as it is a folder.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(folder).isDirectory()) continue;
      throw outputError(shownPath, `cannot create folder ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, error);
    }
  }
}

/** Checks `path` (checkOutputPath) and creates the folders it needs; the file itself is left to the writer. */
export function prepareOutputPath(path: string): void {
  checkOutputPath(path);
  createFolders(dirname(resolve(path)), path);
}

/** An output folder (experiment `-o`): created with its parents, or an error naming it. */
export function prepareOutputFolder(dir: string): void {
  const full = resolve(dir);
  const stats = statOrUndefined(full);
  if (stats && !stats.isDirectory()) throw outputError(dir, 'is a file, not a folder');
  createFolders(full, dir);
  checkWritableFolder(full, dir);
}

/** The path with links and `..` resolved, for comparing an output with an input; as given when it does not exist yet. */
export function realPathOf(path: string): string {
  const full = resolve(path);
  try {
    return realpathSync(full);
  } catch {
    // Not there yet: resolve the folder, which may be a link, and keep the name.
    try {
      return resolve(realpathSync(dirname(full)), full.slice(dirname(full).length + 1));
    } catch {
      return full;
    }
  }
}

/**
 * Refuses an output that is one of the inputs (`replay p.csv --log p.csv` would empty the
 * profile before reading it). Paths are compared after resolving links.
 */
export function refuseOutputOverInput(output: string, inputs: readonly string[], outputLabel = 'output', inputLabel = 'input'): void {
  const target = realPathOf(output);
  for (const input of inputs) {
    if (realPathOf(input) === target) {
      throw new SensortraceError(`${output}: the ${outputLabel} would overwrite the ${inputLabel} ${input}: choose another file`, 'E_USAGE', { file: output });
    }
  }
}

/** checkOutputPath and refuseOutputOverInput for each output, before a use case reads or connects. */
export function checkOutputs(outputs: readonly string[], inputs: readonly string[], labels: { output?: string; input?: string } = {}): void {
  for (const path of outputs) {
    checkOutputPath(path);
    refuseOutputOverInput(path, inputs, labels.output, labels.input);
  }
}
