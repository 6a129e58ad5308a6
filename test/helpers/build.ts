import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The embedded broker of an experiment is a child running the built CLI (dist/cli/bin.js).
 * Build only when dist is older than src: in CI `npm test` has just built it, and rebuilding
 * while another test file's broker child starts from dist could hand it a half-written file.
 */
export function ensureBuilt(): void {
  const bin = join(root, 'dist', 'cli', 'bin.js');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource(join(root, 'src'))) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  } catch (error) {
    // tsc exits non-zero on type errors (maybe in someone else's work in progress) but still emits.
    if (!existsSync(bin)) throw error;
  }
}
