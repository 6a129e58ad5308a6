import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

/**
 * The library API is a decision, written down in docs/library.md: every value src/index.ts
 * exports is named there, and nothing of the CLI (runMain, flag parsing, the password prompt)
 * leaks into it. Adding an export means documenting it.
 */
describe('library API (src/index.ts)', () => {
  const documented = readFileSync(join(import.meta.dirname, '../docs/library.md'), 'utf8');
  const exported = Object.keys(api).sort();

  it('exports the use cases', () => {
    for (const name of ['replay', 'trace', 'compare', 'runExperiment', 'runProcessor', 'analyse', 'computeReport', 'vegaLiteSpec', 'gnuplotScript', 'compileRuleSet', 'SensortraceError']) {
      expect(exported).toContain(name);
    }
  });

  it.each(exported)('%s is documented in docs/library.md', (name) => {
    expect(documented).toMatch(new RegExp('`(new )?' + name + '[`(.]'));
  });

  it('carries nothing of the CLI and no test hooks', () => {
    for (const name of ['runMain', 'buildProgram', 'setPasswordPrompter', 'readPasswordFromTty', 'connectionOptionsFrom', 'hideArgvFromProcessTitle']) {
      expect(exported).not.toContain(name);
    }
  });
});
