import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import { ChildProcessBroker, type StopKind } from './child-process-broker.js';
import { freePort } from './free-port.js';

export type { StopKind } from './child-process-broker.js';

export interface MosquittoOptions {
  /** Folder for the config, log and persistence file; created if missing. */
  dir: string;
  port?: number;
  host?: string;
  /** Keep sessions and queued messages across restarts (persistence true). Default true. */
  persistence?: boolean;
  /** autosave_interval in seconds (0: save only at shutdown). */
  autosaveInterval?: number;
  /**
   * sys_interval in seconds: how often Mosquitto publishes its `$SYS` counters (its own default
   * is 10). Default 1, so a run's broker.sys.csv follows the counters second by second.
   */
  sysInterval?: number;
  /** Extra lines appended to the generated config (listeners, TLS, password_file, ...). */
  extraConfig?: string[];
  /** Replace the default `allow_anonymous true`. */
  allowAnonymous?: boolean;
  binary?: string;
}

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
export class MosquittoBroker extends ChildProcessBroker {
  private readonly binary: string;

  constructor(private readonly options: MosquittoOptions) {
    super(options.dir, options.host);
    const binary = options.binary ?? findMosquitto();
    if (!binary) {
      throw new SensortraceError('mosquitto is not installed (Debian/Ubuntu: apt-get install mosquitto)', 'E_USAGE');
    }
    this.binary = binary;
  }

  get configPath(): string {
    return join(this.dir, 'mosquitto.conf');
  }

  get logPath(): string {
    return join(this.dir, 'mosquitto.log');
  }

  protected launchCommand(): { program: string; args: string[]; name: string } {
    this.writeConfig();
    return { program: this.binary, args: ['-c', this.configPath], name: 'mosquitto' };
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
      `sys_interval ${o.sysInterval ?? 1}`,
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

  /** Starts Mosquitto; `signal` aborting meanwhile stops it and fails the start. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) return;
    const fixed = this.port || this.options.port;
    if (fixed) return this.launch(fixed, 10_000, signal);
    // A port probed free can be taken before Mosquitto binds it (another test, another tool):
    // a first start picks a fresh one then. A restart keeps its port (clients come back to it).
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launch(await freePort(this.host), 10_000, signal);
      } catch (error) {
        if (attempt === 3 || !/Address already in use/.test((error as Error).message)) throw error;
        this.port = 0;
      }
    }
  }

  async restart(kind: StopKind = 'graceful', downForMs = 0): Promise<void> {
    await this.stop(kind);
    if (downForMs > 0) await new Promise((r) => setTimeout(r, downForMs));
    await this.start();
  }
}
