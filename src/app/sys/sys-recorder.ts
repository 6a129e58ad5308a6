import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { SysTally, type SysRecording } from '../../core/sys/sys-counters.js';
import { SYS_FILTER, SYS_UPTIME } from '../../core/sys/sys-value.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { SysWriter } from '../../io/logs/sys-writer.js';
import { openConnection, type ConnectionOptions } from '../../io/mqtt/connection.js';

export interface SysRecorderOptions {
  /** The broker and credentials; the recorder uses its own client id and a clean session. */
  connection: ConnectionOptions;
  /** broker.sys.csv (`at,topic,value`). */
  output: string;
  clock?: Clock;
  flushIntervalMs?: number;
  /** Add to an existing file (a trace resumed with `append`) instead of replacing it. */
  append?: boolean;
  /**
   * The recorder loses its broker only when the broker stops (an experiment's, on loopback): each
   * reconnection starts the counters of a new broker. Otherwise the broker's uptime tells.
   */
  reconnectMeansRestart?: boolean;
}

/**
 * The broker's own view, recorded beside a trace or an experiment run: a separate client
 * subscribed to `$SYS/#` at QoS 0 writes every message to broker.sys.csv and keeps the counters
 * the report shows (SysTally). It reconnects on its own across broker restarts and subscribes
 * again at each connection (a clean session; the broker's retained $SYS values arrive at once).
 * It never holds anything up: start() resolves once subscribed or failed (a failure is kept, not
 * thrown), and stop() drops the connection at once and closes the file.
 */
/** A $SYS tick is over once no row came for this long after its uptime. */
const TICK_QUIET_MS = 150;

export class SysRecorder {
  private readonly tally = new SysTally();
  private readonly writer: SysWriter;
  private readonly clock: Clock;
  private readonly abort = new AbortController();
  private client: MqttClient | undefined;
  private error: string | undefined;
  private stopped = false;
  private readonly rowWaiters = new Set<(topic: string) => void>();

  constructor(private readonly options: SysRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.writer = new SysWriter(options.output, { append: options.append ?? false, flushIntervalMs: options.flushIntervalMs ?? 1000, clock: this.clock, onError: (error) => this.fail(error) });
  }

  get path(): string {
    return this.writer.path;
  }

  /** Connects and subscribes; resolves once subscribed, or once the attempt failed or was stopped. */
  start(): Promise<void> {
    const { connection } = this.options;
    let subscribed: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (subscribed = resolve));
    const opening = openConnection(
      {
        ...withoutSessionFields(connection),
        clientId: `st-sys-${randomBytes(6).toString('hex')}`,
        clean: true,
      },
      { source: 'sys', clock: this.clock, signal: this.abort.signal, onClient: (client) => this.attach(client, subscribed) },
    );
    const failed = opening.then(
      () => ready,
      (error: unknown) => {
        if (!this.stopped) this.fail(error);
      },
    );
    return Promise.race([ready, failed]);
  }

  /**
   * Waits for the broker's next $SYS tick to be over, so the counters include everything up to
   * now: Mosquitto publishes every sys_interval (in practice every other second with
   * sys_interval 1), uptime first and the counters after it, all within milliseconds. Resolves
   * TICK_QUIET_MS after the last row of the tick; at most `maxMs`; at once when aborted or when the
   * broker publishes no uptime.
   */
  nextTick(maxMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.stopped || !this.tally.ticks || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let quiet: (() => void) | undefined;
      const done = (ticked: boolean): void => {
        cancel();
        quiet?.();
        signal.removeEventListener('abort', onAbort);
        this.rowWaiters.delete(onRow);
        resolve(ticked);
      };
      const onRow = (topic: string): void => {
        if (topic !== SYS_UPTIME && !quiet) return;
        quiet?.();
        quiet = this.clock.setTimer(this.clock.now() + TICK_QUIET_MS, () => done(true));
      };
      const onAbort = (): void => done(false);
      const cancel = this.clock.setTimer(this.clock.now() + maxMs, () => done(false));
      signal.addEventListener('abort', onAbort, { once: true });
      this.rowWaiters.add(onRow);
    });
  }

  /** Drops the connection (no DISCONNECT wait: the broker may be down) and closes the file. */
  stop(): SysRecording {
    if (!this.stopped) {
      this.stopped = true;
      this.abort.abort();
      this.client?.end(true);
      try {
        this.writer.close();
      } catch (error) {
        this.error ??= (error as Error).message;
      }
    }
    return { ...this.tally.summary(), output: this.writer.path, ...(this.error ? { error: this.error } : {}) };
  }

  private attach(client: MqttClient, subscribed: () => void): void {
    this.client = client;
    client.on('message', (topic, payload) => this.record(topic, payload));
    let connections = 0;
    // Each connection is a new clean session: subscribe again every time.
    client.on('connect', () => {
      if (++connections > 1) this.tally.noteReconnect(this.options.reconnectMeansRestart ?? false);
      client.subscribe(SYS_FILTER, { qos: 0 }, (error, granted) => {
        const refused = granted?.find((g) => g.qos === 128);
        if (error || refused) this.error ??= `the broker refused ${SYS_FILTER}${error ? `: ${error.message}` : ' (no access to $SYS?)'}`;
        subscribed();
      });
    });
  }

  private record(topic: string, payload: Buffer): void {
    if (this.stopped) return;
    const at = this.clock.now();
    const text = payload.toString('utf8');
    try {
      this.writer.write(at, topic, text);
    } catch (error) {
      return this.fail(error);
    }
    this.tally.note(at, topic, text);
    for (const waiter of [...this.rowWaiters]) waiter(topic);
  }

  /** Keeps the first failure; a failed file ends the recording (the trace or run goes on). */
  private fail(error: unknown): void {
    this.error ??= (error as Error).message;
    if (!this.stopped) this.stop();
  }
}

/** The connection without what belongs to the caller's own session (will, expiry, give-up). */
function withoutSessionFields(connection: ConnectionOptions): ConnectionOptions {
  const { will: _will, sessionExpiry: _expiry, giveUpAfterMs: _giveUp, clientId: _id, ...rest } = connection;
  return rest;
}
