import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrokerRestarts } from '../../../src/app/experiment/broker-restarts.js';
import type { ExperimentPhase } from '../../../src/app/experiment/types.js';
import type { ScenarioRestart } from '../../../src/core/scenario/scenario.js';
import type { BrokerControl, StopKind } from '../../../src/io/broker/broker-control.js';
import { tempDir } from '../../helpers/brokers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * A broker control that records what it was told, at which (fake) time. The choreography's
 * timing is what is under test here; the real controls are tested in test/io/broker and the
 * whole run in experiment.test.ts.
 */
class RecordingControl implements BrokerControl {
  readonly kind = 'external' as const;
  readonly url = 'mqtt://127.0.0.1:1';
  readonly canDiscardState = true;
  running = false;
  readonly calls: string[] = [];
  /** When set, start() rejects with it. */
  startFails: Error | undefined;
  /** When set, stop() waits for this before resolving. */
  stopGate: Promise<void> | undefined;

  constructor(private readonly clock: FakeClock) {}

  private at(what: string): void {
    this.calls.push(`${this.clock.now() - T0} ${what}`);
  }

  async start(): Promise<void> {
    this.at('start');
    if (this.startFails) throw this.startFails;
    this.running = true;
  }

  async stop(kind: StopKind): Promise<void> {
    this.at(`stop ${kind}`);
    await this.stopGate;
    this.running = false;
  }

  discardState(): void {
    this.at('discard');
  }

  async dispose(): Promise<void> {
    this.at('dispose');
    this.running = false;
  }
}

const T0 = 1_700_000_000_000;

function setUp(options: { startFails?: Error } = {}) {
  const dir = tempDir('sensortrace-restarts-');
  const clock = new FakeClock(T0);
  const control = new RecordingControl(clock);
  if (options.startFails) control.startFails = options.startFails;
  const controller = new AbortController();
  const phases: ExperimentPhase[] = [];
  let failures = 0;
  const broker = new BrokerRestarts(control, join(dir, 'broker.events.csv'), {
    clock,
    signal: controller.signal,
    onPhase: (p) => phases.push(p),
    onFailure: () => {
      failures++;
      controller.abort();
    },
  });
  return { clock, control, controller, phases, broker, failures: () => failures, eventsFile: join(dir, 'broker.events.csv') };
}

const restart = (atMs: number, downForMs: number, kind: ScenarioRestart['kind'] = 'graceful', state: ScenarioRestart['state'] = 'kept'): ScenarioRestart => ({ atMs, downForMs, kind, state });

describe('BrokerRestarts', () => {
  it('stops and starts the broker on the schedule, timed from the replay\'s start, and records each as a broker event', async () => {
    const { clock, control, phases, broker, eventsFile } = setUp();
    const startAt = T0 + 100; // replay's onStart: its first reading
    broker.schedule(startAt, [restart(1000, 500), restart(3000, 200, 'crash', 'lost')]);
    await clock.advanceTo(startAt + 999);
    expect(control.calls).toEqual([]);
    await clock.advanceTo(startAt + 1499);
    expect(control.calls).toEqual(['1100 stop graceful']);
    await clock.advanceTo(startAt + 5000);
    expect(control.calls).toEqual(['1100 stop graceful', '1600 start', '3100 stop crash', '3100 discard', '3300 start']);
    expect(phases).toEqual(['broker down', 'replay', 'broker down', 'replay']);
    await broker.finished();
    expect(broker.events.map((e) => [e.at - T0, e.event, e.detail])).toEqual([
      [1100, 'broker_stop', 'graceful, state kept'],
      [1600, 'broker_start', 'graceful, state kept'],
      [3100, 'broker_stop', 'crash, state lost'],
      [3300, 'broker_start', 'crash, state lost'],
    ]);
    await broker.dispose();
    const rows = readFileSync(eventsFile, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toBe(`${(T0 + 1100).toFixed(3)},broker,broker_stop,,"graceful, state kept"`);
  });

  it('ends the outage at the first client connect after the stop, when that came before the start was confirmed', async () => {
    const { clock, broker } = setUp();
    broker.schedule(T0, [restart(1000, 500)]);
    await clock.advanceTo(T0 + 900);
    broker.onClientEvent({ at: clock.now(), source: 'replay', event: 'connect' }); // to the old broker
    await clock.advanceTo(T0 + 1400);
    broker.onClientEvent({ at: clock.now(), source: 'trace', event: 'offline' });
    broker.onClientEvent({ at: T0 + 1450, source: 'trace', event: 'connect' });
    await clock.advanceTo(T0 + 2000);
    await broker.finished();
    expect(broker.events.map((e) => e.at - T0)).toEqual([1000, 1450]);
  });

  it('an abort while the broker is down leaves it down: no start, and no failure', async () => {
    const { clock, control, controller, broker } = setUp();
    broker.schedule(T0, [restart(1000, 5000), restart(8000, 100)]);
    await clock.advanceTo(T0 + 2000);
    controller.abort();
    await broker.finished();
    await broker.dispose();
    expect(control.calls).toEqual(['1000 stop graceful', '2000 dispose']);
    expect(clock.pending).toBe(0);
  });

  it('a broker that does not come back fails the run: onFailure at once, finished() throws the error', async () => {
    const { clock, broker, failures } = setUp({ startFails: new Error('broker start command failed (exit 7)') });
    broker.schedule(T0, [restart(1000, 100), restart(2000, 100)]);
    await clock.advanceTo(T0 + 1100);
    expect(failures()).toBe(1);
    await expect(broker.finished()).rejects.toThrow('exit 7');
    expect(broker.events.map((e) => e.event)).toEqual(['broker_stop']);
    await broker.dispose();
  });

  it('dispose waits for a stop under way before disposing the broker', async () => {
    const { clock, control, controller, broker } = setUp();
    let release!: () => void;
    control.stopGate = new Promise((resolve) => (release = resolve));
    broker.schedule(T0, [restart(1000, 100)]);
    await clock.advanceTo(T0 + 1000);
    controller.abort();
    const disposing = broker.dispose();
    await clock.advanceTo(T0 + 1050);
    expect(control.calls).toEqual(['1000 stop graceful']);
    release();
    await disposing;
    expect(control.calls).toEqual(['1000 stop graceful', '1050 dispose']);
  });

  it('without a schedule, finished() and dispose() return at once', async () => {
    const { control, broker } = setUp();
    await broker.finished();
    await broker.dispose();
    expect(control.calls).toEqual(['0 dispose']);
  });
});
