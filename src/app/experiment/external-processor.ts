import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { SensortraceError } from '../../core/errors.js';
import type { Clock } from '../../io/clock.js';

export interface ExternalProcessorOptions {
  command: string;
  /** A line (part of one) the command prints on stdout or stderr when ready, or a TCP port on 127.0.0.1 it listens on then. */
  ready?: string | number;
  cwd?: string;
  /** Added to the environment: MQTT_HOST, MQTT_PORT, MQTT_URL of the broker under test. */
  env: Record<string, string>;
  /** Its stdout and stderr go here. */
  logPath: string;
  clock: Clock;
  signal: AbortSignal;
  /** How long to wait for it to be ready. Default 60 s. */
  readyTimeoutMs?: number;
}

/** How long a stopped command gets after SIGTERM before SIGKILL. */
const KILL_AFTER_MS = 5000;

/**
 * An external processor (a Node-RED flow, a script): started in a process group of its own, so
 * stopping it (SIGTERM, then SIGKILL after 5 s) reaches what its shell started too.
 */
export class ExternalProcessor {
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(private readonly options: ExternalProcessorOptions) {
    const log = createWriteStream(options.logPath);
    this.child = spawn('sh', ['-c', options.command], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.pipe(log, { end: false });
    this.child.stderr?.pipe(log, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => resolve(null));
      this.child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    }).then((code) => {
      log.end();
      return code as number | null;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once ready (no `ready`: at once); rejects when the command ends or times out first. */
  async ready(): Promise<void> {
    const { ready, clock } = this.options;
    if (ready === undefined) return;
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    let cancel = (): void => undefined;
    const timedOut = new Promise<never>((_, reject) => {
      cancel = clock.setTimer(clock.now() + timeoutMs, () => reject(new SensortraceError(`processor "${this.options.command}" not ready after ${timeoutMs / 1000} s (see ${this.options.logPath})`, 'E_BROKER')));
    });
    const ended = this.exited.then((code) => {
      throw new SensortraceError(`processor "${this.options.command}" ended (exit ${String(code)}) before it was ready (see ${this.options.logPath})`, 'E_BROKER');
    });
    try {
      await Promise.race([typeof ready === 'number' ? this.portOpen(ready) : this.lineSeen(ready), timedOut, ended]);
    } finally {
      cancel();
    }
  }

  /** SIGTERM to its process group, SIGKILL after 5 s; resolves when it has exited. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined || this.child.pid === undefined) return;
    const group = -this.child.pid;
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(group, name);
      } catch {
        // Already gone.
      }
    };
    signal('SIGTERM');
    const cancel = this.options.clock.setTimer(this.options.clock.now() + KILL_AFTER_MS, () => signal('SIGKILL'));
    await this.exited;
    cancel();
  }

  private lineSeen(text: string): Promise<void> {
    return new Promise((resolve) => {
      for (const stream of [this.child.stdout, this.child.stderr]) {
        if (!stream) continue;
        const lines = createInterface({ input: stream });
        lines.on('line', (line) => {
          if (line.includes(text)) resolve();
        });
      }
    });
  }

  /** Tries to connect every 200 ms (through the clock) until the port answers. */
  private portOpen(port: number): Promise<void> {
    const { clock, signal } = this.options;
    return new Promise((resolve) => {
      const attempt = (): void => {
        if (signal.aborted || this.exitCode !== undefined) return;
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => {
          socket.destroy();
          resolve();
        });
        socket.once('error', () => {
          socket.destroy();
          clock.setTimer(clock.now() + 200, attempt);
        });
      };
      attempt();
    });
  }
}
