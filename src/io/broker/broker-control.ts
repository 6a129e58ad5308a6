import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { SensortraceError } from '../../core/errors.js';
import { redactUrl } from '../../core/mqtt/redact-url.js';
import { ChildProcessBroker, trackChild } from './child-process-broker.js';
import { freePort, waitForPort } from './free-port.js';
import { MosquittoBroker, type StopKind } from './mosquitto-broker.js';

export type { StopKind } from './mosquitto-broker.js';

/**
 * One interface over the brokers an experiment can restart: the embedded broker run as a child
 * process (so a restart really drops every socket and, with SIGKILL, every unsaved byte),
 * a local Mosquitto with its own config, or an external broker stopped and started by shell
 * commands. The experiment only ever calls start/stop/discardState/dispose.
 */
export interface BrokerControl {
  readonly kind: 'embedded' | 'mosquitto' | 'external';
  /** Where clients connect (valid after the first start). */
  readonly url: string;
  readonly running: boolean;
  /** Whether discardState() can make the next start forget sessions. */
  readonly canDiscardState: boolean;
  /** Resolves once clients can connect; rejects at once if `signal` aborts meanwhile. */
  start(signal?: AbortSignal): Promise<void>;
  /** graceful: SIGTERM, the broker saves its state; crash: SIGKILL, nothing saved since the last autosave. */
  stop(kind: StopKind): Promise<void>;
  /** Between stop and start: remove the saved state so the broker comes back empty. */
  discardState(): void;
  /** Stops whatever still runs (a crash stop); safe to call any number of times, also on error paths. */
  dispose(): Promise<void>;
}

/** The package's built CLI: the embedded broker child runs `sensortrace broker`. */
export function defaultCliCommand(): string[] {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  return [process.execPath, join(root, 'dist', 'cli', 'bin.js')];
}

export interface EmbeddedChildOptions {
  /** Folder for the state file and the broker's log. */
  dir: string;
  host?: string;
  port?: number;
  /** Keep sessions on disk across a graceful restart (default true). */
  persistence?: boolean;
  autosaveIntervalS?: number;
  /** How to run the CLI (default: node dist/cli/bin.js); tests may point elsewhere. */
  command?: string[];
  startTimeoutMs?: number;
}

export class EmbeddedBrokerChild extends ChildProcessBroker implements BrokerControl {
  readonly kind = 'embedded' as const;
  readonly canDiscardState = true;

  constructor(private readonly options: EmbeddedChildOptions) {
    super(options.dir, options.host);
  }

  get statePath(): string {
    return join(this.dir, 'broker-state.json');
  }

  get logPath(): string {
    return join(this.dir, 'broker.log');
  }

  protected launchCommand(): { program: string; args: string[]; name: string } {
    const [program, ...prefix] = this.options.command ?? defaultCliCommand();
    if (!this.options.command && !existsSync(prefix[0] ?? '')) {
      throw new SensortraceError(`the embedded broker runs the built CLI, but ${prefix[0]} is missing: run npm run build`, 'E_INTERNAL');
    }
    const args = [...prefix, 'broker', '-p', String(this.port), '--bind', this.host, '-v'];
    if (this.options.persistence ?? true) args.push('--state', this.statePath, '--autosave', String(this.options.autosaveIntervalS ?? 0));
    return { program: program!, args, name: 'the embedded broker' };
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.running) return;
    const timeout = this.options.startTimeoutMs ?? 15_000;
    if (this.port !== 0 || this.options.port !== undefined) return this.launch(this.port || this.options.port!, timeout, signal);
    // A port found free can be taken before the child binds it: on the first start (and only
    // then: a restart must come back where the clients reconnect) try another one.
    try {
      await this.launch(await freePort(this.host), timeout, signal);
    } catch (error) {
      if (signal?.aborted || !(error instanceof SensortraceError && error.code === 'E_BROKER')) throw error;
      await this.launch(await freePort(this.host), timeout, signal);
    }
  }

  discardState(): void {
    rmSync(this.statePath, { force: true });
  }

  dispose(): Promise<void> {
    return this.stop('crash');
  }
}

/** Mosquitto through MosquittoBroker, plus the process-exit safety net and state removal. */
export class MosquittoControl implements BrokerControl {
  readonly kind = 'mosquitto' as const;
  readonly canDiscardState = true;
  readonly broker: MosquittoBroker;

  constructor(options: ConstructorParameters<typeof MosquittoBroker>[0]) {
    this.broker = new MosquittoBroker(options);
  }

  get url(): string {
    return this.broker.url;
  }

  get running(): boolean {
    return this.broker.running;
  }

  start(signal?: AbortSignal): Promise<void> {
    return this.broker.start(signal);
  }

  stop(kind: StopKind): Promise<void> {
    return this.broker.stop(kind);
  }

  discardState(): void {
    rmSync(join(this.broker.dir, 'mosquitto.db'), { force: true });
  }

  dispose(): Promise<void> {
    return this.stop('crash');
  }
}

export interface ExternalBrokerOptions {
  url: string;
  /** Shell command that stops the broker, e.g. `sudo systemctl stop mosquitto`. */
  stopCommand?: string;
  /** Shell command that starts it again. */
  startCommand?: string;
  /** Shell command for a crash stop (default: stopCommand). */
  killCommand?: string;
  /** Wait this long for the port to accept connections after start (default 30 s). */
  startTimeoutMs?: number;
}

/**
 * A broker this tool does not own: it is assumed up at start, and restarts run the user's shell
 * commands. The commands' own output goes nowhere: their exit status is what counts.
 */
export class ExternalBrokerControl implements BrokerControl {
  readonly kind = 'external' as const;
  readonly canDiscardState = false;
  private up = false;

  constructor(private readonly options: ExternalBrokerOptions) {}

  get url(): string {
    return this.options.url;
  }

  get running(): boolean {
    return this.up;
  }

  private get endpoint(): { host: string; port: number } {
    const parsed = new URL(this.options.url);
    const defaults: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 };
    return { host: parsed.hostname || 'localhost', port: parsed.port ? Number(parsed.port) : (defaults[parsed.protocol] ?? 1883) };
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.up) return;
    // The first start only checks the broker is there; later ones run the start command.
    if (this.started && this.options.startCommand) await runShell(this.options.startCommand, 'start');
    const { host, port } = this.endpoint;
    try {
      await waitForPort(port, host, this.options.startTimeoutMs ?? 30_000, signal);
    } catch (error) {
      if (signal?.aborted) throw new SensortraceError('interrupted while waiting for the broker', 'E_BROKER', undefined, { cause: error });
      throw new SensortraceError(`broker unreachable: ${redactUrl(this.options.url)} does not accept connections`, 'E_UNREACHABLE', undefined, { cause: error });
    }
    this.up = true;
    this.started = true;
  }

  private started = false;

  async stop(kind: StopKind): Promise<void> {
    if (!this.up) return;
    const command = kind === 'crash' ? (this.options.killCommand ?? this.options.stopCommand) : this.options.stopCommand;
    if (!command) throw new SensortraceError('an external broker needs a stop command to be restarted', 'E_USAGE');
    await runShell(command, 'stop');
    this.up = false;
  }

  discardState(): void {
    throw new SensortraceError('an external broker\'s state cannot be discarded by this tool', 'E_USAGE');
  }

  /** Leaves an external broker as it found it: running, if a start command can bring it back. */
  async dispose(): Promise<void> {
    if (!this.up && this.started && this.options.startCommand) await this.start();
  }
}

function runShell(command: string, what: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
    child.once('error', (error) => reject(new SensortraceError(`broker ${what} command failed: ${error.message}`, 'E_BROKER', undefined, { cause: error })));
    child.once('exit', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new SensortraceError(`broker ${what} command "${command}" failed (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim()}` : ''}`, 'E_BROKER'));
    });
  });
}

export type BrokerSpec =
  | { kind: 'embedded'; persistence?: boolean; autosaveIntervalS?: number }
  | { kind: 'mosquitto'; persistence?: boolean; autosaveIntervalS?: number; extraConfig?: string[] }
  | ({ kind: 'external' } & ExternalBrokerOptions);

/** Builds the control for a broker spec; embedded and mosquitto keep their files in dir. */
export function createBrokerControl(spec: BrokerSpec, dir: string, extra: { command?: string[] } = {}): BrokerControl {
  switch (spec.kind) {
    case 'embedded':
      return new EmbeddedBrokerChild({
        dir,
        persistence: spec.persistence ?? true,
        autosaveIntervalS: spec.autosaveIntervalS ?? 0,
        ...(extra.command ? { command: extra.command } : {}),
      });
    case 'mosquitto':
      return new MosquittoControl({
        dir,
        persistence: spec.persistence ?? true,
        autosaveInterval: spec.autosaveIntervalS ?? 0,
        ...(spec.extraConfig ? { extraConfig: spec.extraConfig } : {}),
      });
    case 'external':
      return new ExternalBrokerControl(spec);
  }
}
