/**
 * npm run bench [-- --quick]: sensortrace side by side with Mosquitto's own tools, on one
 * Mosquitto started here (free loopback port, persistence off), each case several times.
 * Prints a table and writes out/bench/results.json. Exits non-zero only when a case fails or
 * drops messages it must not drop — never for speed (machines differ; ratios are the point).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { findMosquitto, MosquittoBroker } from '../src/io/broker/mosquitto-broker.js';
import { cliPath, type BenchContext, type CaseResult } from './context.js';
import { publishCase } from './cases/publish.js';
import { shardedTraceCase } from './cases/sharded-trace.js';
import { traceCase } from './cases/trace.js';
import { liveBurstCases } from './cases/live-burst.js';
import { pacingCase } from './cases/pacing.js';
import { compareCase } from './cases/compare.js';
import { classroomCase } from './cases/classroom.js';
import { processCase } from './cases/process.js';
import { nodeRedCase } from './cases/node-red.js';
import { hugeProfileCase } from './cases/huge-profile.js';
import { hugePayloadCase } from './cases/huge-payload.js';
import { csvReadCase, csvWriteCase } from './cases/csv.js';
import { duckdbCompareCase } from './cases/duckdb.js';
import { resultsTable } from './report.js';
import { spawnSync } from 'node:child_process';

// Compiled to out/bench-build/bench/run.js: the repository is three levels up.
const root = resolve(import.meta.dirname, '../../..');
const quick = process.argv.includes('--quick');
const outDir = join(root, 'out/bench');
const dir = join(outDir, 'work');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const broker = new MosquittoBroker({
  dir: join(dir, 'mosquitto'),
  persistence: false,
  // Unlimited queues (and QoS 0 queued for offline sessions) so drain measurements see every message.
  extraConfig: ['max_queued_messages 0', 'queue_qos0_messages true', 'max_inflight_messages 20'],
});

const ctx: BenchContext = {
  quick,
  repeats: quick ? 1 : 3,
  broker,
  dir,
  root,
  cli: cliPath(root),
  log: (line) => process.stderr.write(`${line}\n`),
};

const N = quick
  ? { q0: 20_000, q12: 10_000, trace: 30_000, pacingSeconds: 5, compare: 100_000, classroom: 300, cep: 10_000, huge: 1_000_000, csv: 1_000_000, csvWrite: 300_000 }
  : { q0: 200_000, q12: 60_000, trace: 60_000, pacingSeconds: 30, compare: 1_000_000, classroom: 2000, cep: 50_000, huge: 10_000_000, csv: 1_000_000, csvWrite: 1_000_000 };

// `--duckdb-rows N`: the size of the DuckDB comparison (default 300k quick, 10M full; 100M takes ~20 GB of CSV and most of an hour).
const duckdbRowsIndex = process.argv.indexOf('--duckdb-rows');
const duckdbRows = duckdbRowsIndex >= 0 ? Number(process.argv[duckdbRowsIndex + 1]) : quick ? 300_000 : 10_000_000;

type Case = { name: string; run: () => Promise<CaseResult> };
const cases: Case[] = [
  { name: 'publish QoS 0', run: () => publishCase(ctx, 0, N.q0, 1.0) },
  { name: 'publish QoS 1', run: () => publishCase(ctx, 1, N.q12, 1.0) },
  { name: 'publish QoS 2', run: () => publishCase(ctx, 2, N.q12, 1.0) },
  { name: 'publish --connections 4 QoS 1', run: () => publishCase(ctx, 1, N.q12, 2.0, 4) },
  { name: 'publish --connections 4 QoS 2', run: () => publishCase(ctx, 2, N.q12, 2.0, 4) },
  { name: 'trace QoS 0', run: () => traceCase(ctx, 0, N.trace) },
  { name: 'trace QoS 1', run: () => traceCase(ctx, 1, N.trace) },
  { name: 'sharded trace 4 recorders', run: () => shardedTraceCase(ctx, 4, N.trace, 2.0) },
  { name: 'live view (trace --web, --live)', run: async () => (await import('./cases/live.js')).liveCase(ctx, N.trace) },
  { name: 'live view (replay --web)', run: async () => (await import('./cases/replay-web.js')).replayWebCase(ctx, N.q12) },
  ...liveBurstCases(ctx, quick ? [2000, 10_000] : [2000, 10_000, 50_000]),
  { name: 'pacing 200 Hz', run: () => pacingCase(ctx, 200, N.pacingSeconds) },
  { name: 'pacing 1000 Hz', run: () => pacingCase(ctx, 1000, N.pacingSeconds) },
  { name: 'compare 1k (fixed cost)', run: () => compareCase(ctx, 1000) },
  ...(quick ? [] : [{ name: 'compare 100k', run: () => compareCase(ctx, 100_000) }]),
  { name: `compare ${N.compare / 1000}k`, run: () => compareCase(ctx, N.compare) },
  { name: 'duckdb engine', run: () => duckdbCompareCase(ctx, duckdbRows) },
  { name: 'classroom', run: () => classroomCase(ctx, N.classroom) },
  { name: 'process QoS 0', run: () => processCase(ctx, N.cep) },
  { name: 'node-red vs process', run: () => nodeRedCase(ctx, N.cep) },
  { name: 'huge profile', run: () => hugeProfileCase(ctx, N.huge, 200) },
  { name: 'huge payload', run: () => hugePayloadCase(ctx, quick ? 64 : 256) },
  { name: 'csv read sent log', run: () => csvReadCase(ctx, N.csv, 'sent log') },
  { name: 'csv read trace', run: () => csvReadCase(ctx, N.csv, 'trace') },
  { name: 'csv write', run: () => Promise.resolve(csvWriteCase(ctx, N.csvWrite)) },
];

// `--only publish,trace`: run the cases whose name contains one of the words.
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? (process.argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) : [];
const selected = only.length ? cases.filter((c) => only.some((word) => c.name.includes(word))) : cases;

const results: CaseResult[] = [];
const failures: string[] = [];
const started = Date.now();
await broker.start();
try {
  for (const c of selected) {
    ctx.log(`▶ ${c.name}`);
    try {
      const result = await c.run();
      results.push(result);
      // A live burst's "dropped" is a race against mosquitto_sub on a shared machine (rows it kept
      // and trace did not): a speed figure, reported in the table, not a failure of the run.
      const race = c.name.startsWith('live burst');
      if (result.dropped > 0 && !c.name.endsWith('QoS 0') && !race) failures.push(`${c.name}: ${result.dropped} messages dropped or miscounted`);
    } catch (error) {
      failures.push(`${c.name}: ${(error as Error).message}`);
      ctx.log(`  ✗ ${(error as Error).message}`);
    }
  }
} finally {
  await broker.stop('crash');
}

const versions = {
  node: process.version,
  mosquitto: spawnSync(findMosquitto() ?? 'mosquitto', ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim(),
  mqttjs: (JSON.parse((await import('node:fs')).readFileSync(join(root, 'node_modules/mqtt/package.json'), 'utf8')) as { version: string }).version,
};
const machine = { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), cpu: cpus()[0]?.model };
const table = resultsTable(results);
process.stdout.write(`\nsensortrace benchmark (${quick ? 'quick' : 'full'}), ${new Date().toISOString().slice(0, 10)}, ${machine.cores} cores, node ${versions.node}, ${versions.mosquitto}, MQTT.js ${versions.mqttjs}\n\n${table}\n\n`);
writeFileSync(join(outDir, 'results.json'), JSON.stringify({ date: new Date().toISOString(), quick, repeats: ctx.repeats, only, machine, versions, durationS: (Date.now() - started) / 1000, results, failures }, null, 2));
process.stdout.write(`results: ${join(outDir, 'results.json')} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
if (failures.length) {
  process.stdout.write(`\nFAILED:\n${failures.map((f) => `- ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
// A measured child that outlived its case must not keep the benchmark from ending.
process.exit(process.exitCode ?? 0);
