import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

export interface TimedRun {
  wallMs: number;
  /** User + system CPU seconds (the machine may be shared: wall time swings, CPU time much less). */
  cpuS: number;
  peakRssMb: number;
  code: number;
  stderr: string;
}

/** Runs a command under GNU time, reporting wall time, CPU time and peak RSS. */
export function runTimed(command: string, args: string[], timeFile: string): Promise<TimedRun> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%M %U %S', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const [rss, user, sys] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '0 0 0').split(' ').map(Number);
      rmSync(timeFile, { force: true });
      resolve({ wallMs, cpuS: (user ?? 0) + (sys ?? 0), peakRssMb: (rss ?? 0) / 1024, code: code ?? 1, stderr });
    });
  });
}
