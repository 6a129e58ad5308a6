import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The import rule: the pure core knows nothing of sockets, files, processes or the adapters. */
describe('architecture', () => {
  const coreDir = join(import.meta.dirname, '../../src/core');
  const files = (readdirSync(coreDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));

  it('has core modules to check', () => {
    expect(files.length).toBeGreaterThan(3);
  });

  it.each(files)('src/core/%s imports no I/O', (file) => {
    const source = readFileSync(join(coreDir, file), 'utf8');
    const imports = [...source.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const forbidden = imports.filter((spec) => /^node:(fs|net|tls|child_process|http|https|dgram|worker_threads|readline)/.test(spec) || /^(mqtt|aedes|ws|@resvg|vega)/.test(spec) || /\.\.\/(\.\.\/)*(io|app|cli)\//.test(spec));
    expect(forbidden).toEqual([]);
    expect(source).not.toMatch(/\bprocess\.(exit|env|stdout|stderr)\b/);
  });
});
