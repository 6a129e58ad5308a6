import { join } from 'node:path';
import { BrokerComeback } from '../../core/experiment/broker-comeback.js';
import { restartDetail } from '../../core/experiment/run-plan.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { ScenarioBroker, ScenarioRestart } from '../../core/scenario/scenario.js';
import { createBrokerControl, type BrokerControl, type BrokerSpec } from '../../io/broker/broker-control.js';
import type { Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { sleepUntil } from './interruptible.js';
import type { ClientChoreography } from './client-choreography.js';
import type { ExperimentPhase } from './types.js';

export function brokerSpecFor(broker: ScenarioBroker): BrokerSpec {
  switch (broker.kind) {
    case 'embedded':
      return { kind: broker.kind, persistence: broker.persistence, autosaveIntervalS: broker.autosaveIntervalS };
    case 'mosquitto':
      return { kind: broker.kind, persistence: broker.persistence, autosaveIntervalS: broker.autosaveIntervalS, ...(broker.config ? { extraConfig: broker.config } : {}) };
    case 'external': {
      const spec: BrokerSpec = { kind: 'external', url: broker.url };
      if (broker.stopCommand) spec.stopCommand = broker.stopCommand;
      if (broker.startCommand) spec.startCommand = broker.startCommand;
      if (broker.killCommand) spec.killCommand = broker.killCommand;
      return spec;
    }
  }
}

export interface BrokerRestartsOptions {
  clock: Clock;
  /** The run's signal: an abort cuts a restart's wait short (the broker stays as it is). */
  signal: AbortSignal;
  /** Called when the broker goes down ('broker down') and comes back ('replay'). */
  onPhase: (phase: ExperimentPhase) => void;
  /** A restart failed (the broker did not come back): the run must end. */
  onFailure: () => void;
  /** Holds the clients offline during each restart and lets them back in the scenario's order. */
  choreography?: ClientChoreography;
  /** Each broker_stop / broker_start as it is recorded (a live view marks it). */
  onEvent?: (event: ConnectionEvent) => void;
}

/**
 * The broker under test and its restart schedule. Restarts are timed from the replay's first
 * publish (replay's onStart), each stop written to broker.events.csv when it begins and each
 * start when the broker was really back (see BrokerComeback), so compare sees the outage windows.
 */
export class BrokerRestarts {
  readonly events: ConnectionEvent[] = [];
  private readonly comeback = new BrokerComeback();
  private readonly writer: EventsWriter;
  private restarts: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly control: BrokerControl,
    readonly eventsPath: string,
    private readonly options: BrokerRestartsOptions,
  ) {
    this.writer = new EventsWriter(eventsPath);
  }

  /** The control for a run's broker, its files under `dir`/broker. */
  static controlFor(broker: ScenarioBroker, dir: string, command: string[] | undefined): BrokerControl {
    return createBrokerControl(brokerSpecFor(broker), join(dir, 'broker'), command ? { command } : {});
  }

  get url(): string {
    return this.control.url;
  }

  start(): Promise<void> {
    return this.control.start(this.options.signal);
  }

  /** Clients' connection events: a connect after a stop marks the broker as back. */
  readonly onClientEvent = (event: ConnectionEvent): void => {
    if (event.event === 'connect') this.comeback.clientConnected(event.at);
  };

  /** Starts the schedule, timed from `startAt`. Failures are kept (never left unhandled) and end the run. */
  schedule(startAt: number, restarts: readonly ScenarioRestart[]): void {
    this.options.choreography?.schedule(restarts.map((r) => ({ at: startAt + r.atMs, downForMs: r.downForMs })));
    this.restarts = this.apply(startAt, restarts).catch((error: unknown) => {
      this.failure = { error };
      this.options.onFailure();
    });
  }

  /** Waits for the schedule (a restart due after the last reading still happens); throws its failure. */
  async finished(): Promise<void> {
    await this.restarts;
    if (this.failure) throw this.failure.error;
  }

  /** After the run: waits for a restart under way, stops the broker, closes the events file. */
  async dispose(): Promise<void> {
    await this.restarts.catch(() => undefined);
    await this.control.dispose().catch(() => undefined);
    this.writer.close();
  }

  private async apply(startAt: number, restarts: readonly ScenarioRestart[]): Promise<void> {
    const { clock, signal } = this.options;
    for (const restart of restarts) {
      if (!(await sleepUntil(clock, startAt + restart.atMs, signal))) return;
      const cutAt = await this.options.choreography?.beforeStop(startAt + restart.atMs);
      if (!(await this.stop(restart, cutAt))) return;
      await this.control.start(signal);
      const listeningAt = clock.now();
      const comeback = await this.options.choreography?.bringBack(startAt + restart.atMs + restart.downForMs);
      // With the clients held, the outage they saw (compare's window) ends when the first was let back.
      const released = comeback?.releasedAt;
      const backAt = released === undefined ? this.comeback.started(clock.now()) : (this.comeback.started(released), released);
      const held = released === undefined ? '' : released - listeningAt >= 1 ? `; listening ${Math.round(released - listeningAt)} ms before the clients were let back` : '; not listening until after the planned release: the clients were let back late';
      this.record('broker_start', restartDetail(restart) + held, backAt);
      this.options.onPhase('replay');
    }
  }

  /** Stops the broker and keeps it down for the restart's time from the cut; false when the run was aborted meanwhile. */
  private async stop(restart: ScenarioRestart, cutAt: number | undefined): Promise<boolean> {
    const { clock, signal } = this.options;
    this.options.onPhase('broker down');
    // With the clients choreographed, the outage starts at the cut: the replay held at its gate
    // after the readings planned up to the restart's `at`, all of them acknowledged all round.
    const stopAt = cutAt ?? clock.now();
    this.record('broker_stop', restartDetail(restart), stopAt);
    await this.control.stop(restart.kind);
    this.comeback.stopped();
    if (restart.state === 'lost') this.control.discardState();
    await sleepUntil(clock, stopAt + restart.downForMs, signal);
    return !signal.aborted;
  }

  private record(event: 'broker_stop' | 'broker_start', detail: string, at: number): void {
    const e: ConnectionEvent = { at, source: 'broker', event, detail };
    this.events.push(e);
    this.writer.write(e);
    this.options.onEvent?.(e);
  }
}
