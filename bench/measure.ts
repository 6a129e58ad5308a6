import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, openSync, closeSync } from 'node:fs';

export interface ProcessRun {
  wallMs: number;
  /** Peak resident set size in MB (GNU time's %M), when measured. */
  peakRssMb?: number;
  /** CPU time (user + system, GNU time's %U + %S) in ms: steadier than wall time on a loaded machine. */
  cpuMs?: number;
  code: number;
  stderr: string;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  /** File fed to stdin. */
  stdinFile?: string;
  /** File stdout goes to (else discarded). */
  stdoutFile?: string;
  env?: NodeJS.ProcessEnv;
}

const TIME_MARK = '@@bench-time@@';

/** Starts a process under GNU time so its peak RSS is known; resolves when it exits. */
export interface Measured {
  child: ChildProcess;
  done: Promise<ProcessRun>;
  stderr: () => string;
  /** Signals the measured program itself (GNU time does not pass signals on): the whole process group. */
  kill: (signal?: NodeJS.Signals) => void;
}

export function startMeasured(spec: SpawnSpec): Measured {
  const started = performance.now();
  const stdin = spec.stdinFile ? openSync(spec.stdinFile, 'r') : 'ignore';
  const stdout = spec.stdoutFile ? openSync(spec.stdoutFile, 'w') : 'ignore';
  const child = spawn('/usr/bin/time', ['-f', `${TIME_MARK} %M %U %S`, spec.command, ...spec.args], {
    stdio: [stdin, stdout, 'pipe'],
    env: { ...process.env, ...spec.env },
    detached: true,
  });
  if (typeof stdin === 'number') closeSync(stdin);
  if (typeof stdout === 'number') closeSync(stdout);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ProcessRun>((resolve) => {
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const mark = new RegExp(`${TIME_MARK} (\\d+) ([\\d.]+) ([\\d.]+)`).exec(stderr);
      const run: ProcessRun = { wallMs, code: code ?? 1, stderr: stderr.replace(/@@bench-time@@ [\d. ]+\n?/, '').replace(/Command exited with non-zero status \d+\n?/, '') };
      if (mark) {
        run.peakRssMb = Number(mark[1]) / 1024;
        run.cpuMs = (Number(mark[2]) + Number(mark[3])) * 1000;
      }
      resolve(run);
    });
  });
  const kill = (signal: NodeJS.Signals = 'SIGTERM'): void => {
    try {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  return { child, done, stderr: () => stderr, kill };
}

export async function runMeasured(spec: SpawnSpec): Promise<ProcessRun> {
  return startMeasured(spec).done;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: number[]): { median: number; min: number; max: number; runs: number } {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path);
    out.on('error', reject);
    let chunk: string[] = [];
    for (const line of lines) {
      chunk.push(line);
      if (chunk.length >= 10_000) {
        out.write(chunk.join(''));
        chunk = [];
      }
    }
    out.end(chunk.join(''), () => resolve());
  });
}

/** Resolves once `predicate` is true, polling; rejects after timeoutMs. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
