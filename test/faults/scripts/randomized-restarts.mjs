#!/usr/bin/env node
/* global console, process, setTimeout, clearTimeout */
/**
 * Randomized restart runs (issue 17, not a unit test): a QoS 1/2 `sensortrace replay` into a
 * Mosquitto with persistence, SIGTERM-restarted 1–2 times at random moments, recorded by two
 * independent persistent subscribers (mosquitto_sub -c -q 2 and sensortrace trace --no-clean -q 2).
 * QoS 1 and 2 alternate. Per run: acknowledged in the sent log but recorded by neither / by each; QoS 2 duplicates in each recording;
 * and `sensortrace compare` run on each recording, its lost/duplicate counts checked against the
 * same counts re-derived here from the raw files (sent.csv, trace.csv, mosquitto_sub's sub.txt).
 *
 *   node test/faults/scripts/randomized-restarts.mjs [runs=30] [rows=600] [rate=200] [--clean]
 * Needs a build (npx tsc -p tsconfig.build.json). Every child is stopped by its PID.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const clean = process.argv.includes('--clean');
const RUNS = Number(args[0] ?? 30);
const ROWS = Number(args[1] ?? 600);
const RATE = Number(args[2] ?? 200);
// SENSORTRACE_CLI: a copy of the build, so a rebuild meanwhile cannot hand a child a half-written file.
const CLI = process.env.SENSORTRACE_CLI ?? resolve(import.meta.dirname, '../../../dist/cli/bin.js');
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rand = (a, b) => a + Math.random() * (b - a);

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), res(true)));
      c.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(25);
  }
  throw new Error(`port ${port} never opened`);
}

function startChild(cmd, argv, opts = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.out = '';
  child.err = '';
  child.stdout.on('data', (d) => (child.out += d));
  child.stderr.on('data', (d) => (child.err += d));
  child.done = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return child;
}

async function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return child.done;
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const r = await child.done;
  clearTimeout(t);
  return r;
}

async function startBroker(dir, port) {
  const b = startChild(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')]);
  await waitPort(port);
  return b;
}

/** Resolves when `pred()` holds, checking every 20 ms, or after `ms`. */
async function until(pred, ms) {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await sleep(20);
  return pred();
}

function seqsIn(text, re) {
  const counts = new Map();
  for (const m of text.matchAll(re)) counts.set(Number(m[1]), (counts.get(Number(m[1])) ?? 0) + 1);
  return counts;
}

async function oneRun(i) {
  const dir = mkdtempSync(join(tmpdir(), 'st-rr-'));
  const port = await freePort();
  // Started as root, Mosquitto drops to the `mosquitto` user and could not save its state here.
  writeFileSync(join(dir, 'mosquitto.conf'), [`user ${userInfo().username}`, `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 0', 'max_queued_messages 0', `log_dest file ${dir}/mosquitto.log`, 'log_type all', ''].join('\n'));
  // Alternating, so QoS 2 (where duplicates matter) gets half the runs whatever the dice say.
  const qos = i % 2 === 1 ? 1 : 2;
  const restarts = Math.random() < 0.5 ? 1 : 2;
  let broker = await startBroker(dir, port);
  const sub = startChild('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-c', '-i', `rec-${i}`, '-q', '2', '-t', 'rr/#', '-F', '%U %t %p']);
  const tracePath = join(dir, 'trace.csv');
  const tracer = startChild(process.execPath, [CLI, 'trace', '-h', '127.0.0.1', '-p', String(port), '-t', 'rr/#', '-q', '2', '-i', `trc-${i}`, '--no-clean', '-o', tracePath, '-v', '--quiet']);
  // Both recorders subscribed: a probe reaches both.
  for (let k = 0; k < 100; k++) {
    spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', 'rr/probe', '-m', 'probe']);
    if (await until(() => sub.out.includes('rr/probe') && tracer.out.includes('rr/probe'), 300)) break;
  }
  const profile = join(dir, 'p.csv');
  writeFileSync(profile, ['time,value', ...Array.from({ length: ROWS }, (_, k) => `${k},${k}`)].join('\n') + '\n');
  const sent = join(dir, 'sent.csv');
  const started = Date.now();
  const replay = startChild(process.execPath, [CLI, 'replay', profile, '-t', 'rr/{sensor}', '-q', String(qos), '--rate', String(RATE), '--format', 'json', '--log', sent, '-h', '127.0.0.1', '-p', String(port), '--quiet', '--drain-timeout', '60s', ...(clean ? ['--clean'] : [])]);
  const span = (ROWS / RATE) * 1000;
  const stops = Array.from({ length: restarts }, () => rand(0.1, 0.9) * span).sort((a, b) => a - b);
  for (const at of stops) {
    await sleep(Math.max(0, started + at - Date.now()));
    await stopChild(broker, 'SIGTERM');
    await sleep(rand(0, 1000));
    broker = await startBroker(dir, port);
  }
  const replayed = await replay.done;
  const sentText = readFileSync(sent, 'utf8').trim().split('\n').slice(1);
  const acked = sentText.filter((l) => l.split(',')[9] !== '').map((l) => Number(l.split(',')[0]));
  const subSeqs = () => seqsIn(sub.out, /"seq":(\d+)/g);
  const traceSeqs = () => seqsIn(tracer.out, /"seq":(\d+)/g);
  // Wait until both recordings hold every acknowledged seq, or nothing new came for 3 s.
  let last = -1;
  for (;;) {
    const total = sub.out.length + tracer.out.length;
    if (acked.every((s) => subSeqs().has(s) && traceSeqs().has(s))) break;
    if (total === last) break;
    last = total;
    await sleep(3000);
  }
  await stopChild(sub, 'SIGINT');
  await stopChild(tracer, 'SIGINT');
  await stopChild(broker, 'SIGTERM');
  const subPath = join(dir, 'sub.txt');
  writeFileSync(subPath, sub.out);
  // From the raw files, not from what the children printed: the recordings as compare reads them.
  const s = seqsIn(sub.out, /"seq":(\d+)/g);
  const t = seqsIn(existsSync(tracePath) ? readFileSync(tracePath, 'utf8') : '', /""seq"":(\d+)/g);
  const sentSeqs = sentText.map((l) => Number(l.split(',')[0]));
  const compareAgrees = (recording, counts) => {
    const cmp = join(dir, `cmp-${recording === tracePath ? 'trace' : 'sub'}`);
    const r = spawnSync(process.execPath, [CLI, 'compare', '--sent', sent, '--received', recording, '--format', 'json', '-o', cmp], { encoding: 'utf8' });
    if (r.status !== 0) return `compare exit ${r.status}: ${r.stderr.slice(-200)}`;
    const report = JSON.parse(readFileSync(`${cmp}.json`, 'utf8'));
    const lost = sentSeqs.filter((x) => !counts.has(x)).length;
    const duplicates = sentSeqs.reduce((n, x) => n + Math.max(0, (counts.get(x) ?? 0) - 1), 0);
    const same = report.sent === sentSeqs.length && report.lost === lost && report.duplicates === duplicates && report.delivered === sentSeqs.length - lost;
    return same ? 'agrees' : `compare sent/lost/duplicates ${report.sent}/${report.lost}/${report.duplicates}, files ${sentSeqs.length}/${lost}/${duplicates}`;
  };
  const result = {
    run: i, qos, restarts, stopsAtMs: stops.map(Math.round), replayExit: replayed.code, traceExit: (await tracer.done).code,
    sent: sentText.length, acked: acked.length,
    // Sent but not acknowledged (unconfirmed: an answer that proves nothing), and of those, never recorded.
    notAcked: sentText.length - acked.length,
    notAckedLost: sentText.map((l) => Number(l.split(',')[0])).filter((x) => !acked.includes(x) && !s.has(x)).length,
    lostSub: acked.filter((x) => !s.has(x)), lostTrace: acked.filter((x) => !t.has(x)),
    dupSub: [...s.values()].filter((n) => n > 1).length, dupTrace: [...t.values()].filter((n) => n > 1).length,
    compareSub: compareAgrees(subPath, s), compareTrace: compareAgrees(tracePath, t),
  };
  const disagrees = result.compareSub !== 'agrees' || result.compareTrace !== 'agrees';
  if (result.lostSub.length || result.lostTrace.length || (qos === 2 && (result.dupSub || result.dupTrace)) || replayed.code !== 0 || result.traceExit !== 0 || disagrees) result.kept = dir;
  else rmSync(dir, { recursive: true, force: true });
  return result;
}

const results = [];
for (let i = 1; i <= RUNS; i++) {
  const r = await oneRun(i);
  results.push(r);
  console.log(JSON.stringify({ ...r, lostSub: r.lostSub.length ? r.lostSub : 0, lostTrace: r.lostTrace.length ? r.lostTrace : 0 }));
}
const sum = (f) => results.reduce((a, r) => a + f(r), 0);
console.log(JSON.stringify({
  runs: RUNS, clean, qos1: sum((r) => r.qos === 1), qos2: sum((r) => r.qos === 2), restarts: sum((r) => r.restarts), acked: sum((r) => r.acked),
  notAcked: sum((r) => r.notAcked), notAckedLost: sum((r) => r.notAckedLost),
  ackedLostSub: sum((r) => r.lostSub.length), ackedLostTrace: sum((r) => r.lostTrace.length),
  qos2DupSub: sum((r) => (r.qos === 2 ? r.dupSub : 0)), qos2DupTrace: sum((r) => (r.qos === 2 ? r.dupTrace : 0)),
  qos1DupSub: sum((r) => (r.qos === 1 ? r.dupSub : 0)), replayFailures: sum((r) => (r.replayExit === 0 ? 0 : 1)), traceFailures: sum((r) => (r.traceExit === 0 ? 0 : 1)),
  compareDisagreements: sum((r) => (r.compareSub === 'agrees' ? 0 : 1) + (r.compareTrace === 'agrees' ? 0 : 1)),
}));
