/** `npm run bench:docs`: writes the last run's tables (out/bench/results.json) into README.md and docs/performance.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { regenerate, type BenchResults } from './docs-tables.js';

const root = resolve(import.meta.dirname, '../../..');
const resultsPath = join(root, 'out/bench/results.json');
const run = JSON.parse(readFileSync(resultsPath, 'utf8')) as BenchResults;
const readmePath = join(root, 'README.md');
const performancePath = join(root, 'docs/performance.md');
const next = regenerate(run, readFileSync(readmePath, 'utf8'), readFileSync(performancePath, 'utf8'));
writeFileSync(readmePath, next.readme);
writeFileSync(performancePath, next.performance);
process.stdout.write(`README.md and docs/performance.md: ${run.results.length} cases from ${resultsPath} (${run.date})\n`);
