import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { ensureBuilt } from '../helpers/build.js';

/**
 * What the signal-phase fault tests need around a CLI child: its output, its exit, its CPU time
 * and its descendants, read from /proc (Linux), so a test can say "this process spun", "this
 * child outlived its parent", "this file was cut mid-line".
 */

const root = new URL('../..', import.meta.url).pathname;
/** Whatever happens, no child of these tests outlives this bound. */
const HARD_LIMIT_MS = 60_000;
/** The promise of issue 17: every command stops within 2 s of SIGINT/SIGTERM (its own time: see stopWith). */
export const STOP_LIMIT_MS = 2000;
/** Wall time a stop may take on a loaded machine before it counts as a hang whatever the CPU wait. */
export const STOP_HANG_MS = 15_000;

export interface CliChild {
  child: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

export function startCli(args: string[]): CliChild {
  ensureBuilt();
  const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), HARD_LIMIT_MS);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, at: Date.now() });
    }),
  );
  return { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `condition` holds (checked every 20 ms); fails after `timeoutMs` naming `what`, or if the child exits first. */
export async function until(condition: () => boolean, what: string, cli?: CliChild, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void cli?.exited.then(() => (exited = true));
  while (!condition()) {
    if (exited) throw new Error(`the command exited before ${what}: ${cli?.stderr().slice(-400)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${cli ? `: ${cli.stderr().slice(-400)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) the process has used so far, in clock ticks (1/100 s on Linux). */
export function cpuTicks(pid: number): number {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : 0;
}

/**
 * The CPU watchdog: the share of one core the process used over `ms` while it should be idle
 * (waiting for a broker). A busy loop shows as ~1 (or its share of a loaded machine, well above
 * the threshold the tests use); a process waiting on timers and sockets as ~0.
 */
export async function idleCpuShare(pid: number, ms = 2000): Promise<number> {
  const before = cpuTicks(pid);
  const started = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  return (cpuTicks(pid) - before) / ((Date.now() - started) / 10);
}

/** Alive and not a zombie. */
export function alive(pid: number): boolean {
  const f = statFields(pid);
  return f !== undefined && f[0] !== 'Z';
}

/** `read()`, or `fallback` when the process is gone meanwhile. */
export function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Whether the process has `path` open (/proc/<pid>/fd): it is reading that input now. */
export function hasOpen(pid: number, path: string): boolean {
  return readOr(() => readdirSync(`/proc/${pid}/fd`), [] as string[]).some((fd) => readOr(() => readlinkSync(`/proc/${pid}/fd/${fd}`), '') === path);
}

/** Every process below `pid` (children, their children, ...), from /proc/<pid>/task/<tid>/children. */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    for (const task of readOr(() => readdirSync(`/proc/${next}/task`), [])) {
      const children = readOr(() => readFileSync(`/proc/${next}/task/${task}/children`, 'utf8'), '');
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The pids of `pids` still alive once `ms` passed (checked every 20 ms): a reaped guard takes a moment. */
export async function survivors(pids: readonly number[], ms = STOP_LIMIT_MS): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = pids.filter(alive);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Nanoseconds the process's main thread has waited for a CPU while runnable (/proc/<pid>/schedstat, 2nd field). */
function runQueueWaitNs(pid: number): number | undefined {
  const text = readOr(() => readFileSync(`/proc/${pid}/schedstat`, 'utf8'), '');
  const waited = Number(text.split(' ')[1]);
  return Number.isFinite(waited) && text !== '' ? waited : undefined;
}

/**
 * Sends `signal` and waits for the exit: the code, the wall time from the signal (ms), and that
 * time less what the process spent waiting for a CPU (sampled every 10 ms until it exits). The
 * second is the stop's own time: on two cores shared by many test processes, a stop that takes
 * 200 ms alone can take seconds of wall time, and the 2 s promise is about the command, not the load.
 */
export async function stopWith(cli: CliChild, signal: NodeJS.Signals): Promise<{ code: number | null; ms: number; ownMs: number }> {
  const waitedBefore = runQueueWaitNs(cli.pid) ?? 0;
  let waitedLast = waitedBefore;
  let exited = false;
  const sentAt = Date.now();
  cli.child.kill(signal);
  const sampler = (async () => {
    while (!exited) {
      waitedLast = runQueueWaitNs(cli.pid) ?? waitedLast;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const { code, at } = await cli.exited;
  exited = true;
  await sampler;
  const ms = at - sentAt;
  return { code, ms, ownMs: ms - (waitedLast - waitedBefore) / 1e6 };
}

/** Splits CSV text into records (quotes may hold commas and doubled quotes); each record's cell count. */
export function csvCellCounts(text: string): number[] {
  const counts: number[] = [];
  let cells = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') quoted = text[i + 1] === '"' ? (i++, true) : false;
    } else if (c === '"') quoted = true;
    else if (c === ',') cells++;
    else if (c === '\n') {
      counts.push(cells);
      cells = 1;
    }
  }
  return counts;
}

/** A CSV the command left: empty, or whole lines only, every record as wide as the header. Returns the record count. */
export function wholeCsv(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  if (text === '') return 0;
  if (!text.endsWith('\n')) throw new Error(`${path}: the last line is cut: ${JSON.stringify(text.slice(-120))}`);
  const counts = csvCellCounts(text);
  const bad = counts.findIndex((n) => n !== counts[0]);
  if (bad >= 0) throw new Error(`${path}:${bad + 1}: ${counts[bad]} cells where the header has ${counts[0]}`);
  return counts.length;
}

/** A TCP server that accepts connections and never answers: a broker that hangs at CONNECT. */
export async function silentBroker(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nobody listens on (connections refused: clients keep retrying). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  return text.split('\n').length - 1;
}
