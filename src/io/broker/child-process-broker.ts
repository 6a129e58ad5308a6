import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { prepareOutputFolder } from '../output/output-path.js';
import { resolve } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import { waitForPort } from './free-port.js';

export type StopKind = 'graceful' | 'crash';

/**
 * A watchdog for a child that must not outlive this process even when it is killed with SIGKILL
 * (Node has no PR_SET_PDEATHSIG): a tiny shell blocked reading a pipe from us. When this process
 * dies, however it dies, the kernel closes the pipe; the read ends and the shell kills the child.
 * It ignores SIGINT/SIGTERM/SIGHUP (a Ctrl+C to the terminal's process group must not disarm it),
 * holds no event-loop reference, and is killed as soon as the child exits (so the pid it holds is
 * never reused while it waits).
 */
export function guardChildLifetime(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const script = 'trap "" INT TERM HUP; while read -r _; do :; done; kill -KILL "$1" 2>/dev/null';
  const guard = spawn('sh', ['-c', script, 'sensortrace-child-guard', String(child.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined);
  guard.stdin?.on('error', () => undefined);
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const disarm = (): void => {
    guard.kill('SIGKILL');
  };
  if (child.exitCode !== null || child.signalCode !== null) disarm();
  else child.once('exit', disarm);
}

/** Children still running, killed synchronously if this process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

/**
 * A broker that runs as a child process on a loopback port (Mosquitto, or our embedded broker):
 * start waits until the port accepts connections (or the child dies), stop sends SIGTERM
 * (graceful: the broker saves its state) or SIGKILL (crash), and the child is killed if this
 * process exits first. Subclasses say how to launch it; a restart comes back on the same port.
 */
export abstract class ChildProcessBroker {
  readonly dir: string;
  readonly host: string;
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(dir: string, host = '127.0.0.1') {
    this.dir = resolve(dir);
    this.host = host;
  }

  /** Program, arguments and a name for messages. */
  protected abstract launchCommand(): { program: string; args: string[]; name: string };
  /** Where the child's stdout and stderr go. */
  abstract get logPath(): string;

  get url(): string {
    return `mqtt://${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Spawns the child on `port` and resolves once it accepts connections; fails with E_BROKER if it
   * dies first, or if `signal` aborts meanwhile (the child is then stopped).
   */
  protected async launch(port: number, startTimeoutMs: number, signal?: AbortSignal): Promise<void> {
    this.port = port;
    prepareOutputFolder(this.dir);
    const { program, args, name } = this.launchCommand();
    const log = openSync(this.logPath, 'a');
    const child = spawn(program, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    trackChild(child);
    guardChildLifetime(child);
    this.exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    try {
      await Promise.race([
        waitForPort(this.port, this.host, startTimeoutMs, signal),
        this.exited.then(() => {
          throw new SensortraceError(`${name} exited at start (${lastLogLine(this.logPath)}); see ${this.logPath}`, 'E_BROKER');
        }),
      ]);
    } catch (error) {
      await this.stop('crash');
      if (signal?.aborted) throw new SensortraceError(`interrupted while ${name} was starting`, 'E_BROKER', undefined, { cause: error });
      throw error instanceof SensortraceError ? error : new SensortraceError(`${name} did not start: ${(error as Error).message}`, 'E_BROKER', undefined, { cause: error });
    }
  }

  /** graceful: SIGTERM (the broker saves its state); crash: SIGKILL (nothing saved since the last autosave). */
  async stop(kind: StopKind = 'graceful'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(kind === 'graceful' ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }
}

/** The broker's last words (e.g. "Error: Address already in use"), for the error that says it died. */
function lastLogLine(path: string): string {
  try {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    return lines[lines.length - 1]?.slice(0, 200) || 'no log';
  } catch {
    return 'no log';
  }
}
