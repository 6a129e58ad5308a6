import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { SensortraceError } from '../core/errors.js';
import { freePort, waitForPort } from './free-port.js';

export interface MosquittoOptions {
  /** Folder for the config, log and persistence file; created if missing. */
  dir: string;
  port?: number;
  host?: string;
  /** Keep sessions and queued messages across restarts (persistence true). Default true. */
  persistence?: boolean;
  /** autosave_interval in seconds (0: save only at shutdown). */
  autosaveInterval?: number;
  /** Extra lines appended to the generated config (listeners, TLS, password_file, ...). */
  extraConfig?: string[];
  /** Replace the default `allow_anonymous true`. */
  allowAnonymous?: boolean;
  binary?: string;
}

export type StopKind = 'graceful' | 'crash';

/** The mosquitto binary, if installed (Debian puts it in /usr/sbin, often not on PATH). */
export function findMosquitto(): string | undefined {
  for (const candidate of [process.env.MOSQUITTO_BIN, '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/bin/mosquitto']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  return found || undefined;
}

/**
 * A real Mosquitto run as a child process with a config of its own, on a free loopback port.
 * stop()/start() restart it on the same port and folder, so a persistent broker comes back with
 * its saved state: that is the tutorial's `service mosquitto stop; service mosquitto start`.
 */
export class MosquittoBroker {
  readonly dir: string;
  readonly host: string;
  port = 0;
  private child: ChildProcess | undefined;
  private readonly binary: string;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: MosquittoOptions) {
    this.dir = resolve(options.dir);
    this.host = options.host ?? '127.0.0.1';
    const binary = options.binary ?? findMosquitto();
    if (!binary) {
      throw new SensortraceError('mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto)', 'E_USAGE');
    }
    this.binary = binary;
  }

  get url(): string {
    return `mqtt://${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get configPath(): string {
    return join(this.dir, 'mosquitto.conf');
  }

  get logPath(): string {
    return join(this.dir, 'mosquitto.log');
  }

  private writeConfig(): void {
    const o = this.options;
    // Started as root, Mosquitto drops to the `mosquitto` user and could not write our folder.
    const user = userInfo().username;
    const lines = [
      `user ${user}`,
      `listener ${this.port} ${this.host}`,
      `allow_anonymous ${o.allowAnonymous ?? true}`,
      `persistence ${o.persistence ?? true}`,
      `persistence_location ${this.dir}/`,
      `autosave_interval ${o.autosaveInterval ?? 0}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      'connection_messages true',
      'log_timestamp true',
      ...(o.extraConfig ?? []),
    ];
    writeFileSync(this.configPath, `${lines.join('\n')}\n`);
  }

  async start(): Promise<void> {
    if (this.child) return;
    mkdirSync(this.dir, { recursive: true });
    if (this.port === 0) this.port = this.options.port ?? (await freePort(this.host));
    this.writeConfig();
    const log = openSync(this.logPath, 'a');
    const child = spawn(this.binary, ['-c', this.configPath], { stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    try {
      await Promise.race([
        waitForPort(this.port, this.host, 10_000),
        this.exited.then(() => {
          throw new SensortraceError(`mosquitto exited at start; see ${this.logPath}`, 'E_BROKER');
        }),
      ]);
    } catch (error) {
      await this.stop('crash');
      throw error;
    }
  }

  /** graceful: SIGTERM (Mosquitto saves its state); crash: SIGKILL (nothing saved since last autosave). */
  async stop(kind: StopKind = 'graceful'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(kind === 'graceful' ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }

  async restart(kind: StopKind = 'graceful', downForMs = 0): Promise<void> {
    await this.stop(kind);
    if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
    await this.start();
  }
}
