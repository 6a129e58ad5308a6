import { randomBytes } from 'node:crypto';
import { filterForTemplate } from '../../core/experiment/tracer-filter.js';
import { replayDrainTimeoutMs } from '../../core/experiment/run-plan.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { RunSpec, Scenario } from '../../core/scenario/scenario.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import type { ReplayOptions } from '../replay/replay.js';
import type { ClientUrls } from './network-faults.js';
import type { RunTracerOptions } from './run-tracer.js';
import type { ExperimentOptions } from './types.js';

/**
 * How a run's two clients are set up. Both keep a session (clean: false) under client ids unique
 * to the run, so a restart with the state kept gives them back what was queued for them.
 */
export class RunClients {
  private readonly tag = randomBytes(3).toString('hex');
  private readonly base: ConnectionOptions;

  constructor(
    connection: ExperimentOptions['connection'],
    url: string,
    private readonly scenario: Scenario,
    private readonly spec: RunSpec,
    /** Each client's URL when a fault proxy stands in front of the broker (network-faults.ts). */
    private readonly urls?: ClientUrls,
  ) {
    this.base = { ...connection, url, reconnectPeriodMs: 250, connectTimeoutMs: 15_000 };
    // MQTT 5 ends a session at disconnect unless it has an expiry: the tracer's must outlive a restart.
    if (this.base.protocolVersion === 5 && this.base.sessionExpiry === undefined) this.base.sessionExpiry = 3600;
  }

  /** The tracer subscribes to everything the topic template can produce; its reconnect delay is the scenario's. */
  tracer(output: string, onEvent: (event: ConnectionEvent) => void): RunTracerOptions {
    return {
      filters: [filterForTemplate(this.scenario.topic)],
      qos: this.spec.qos,
      output,
      connection: { ...this.base, ...(this.urls ? { url: this.urls.recorder } : {}), clientId: `st-trace-${this.tag}`, clean: false, reconnectPeriodMs: this.scenario.tracerReconnectMs },
      onEvent,
    };
  }

  /** The processing stage's connection (run-processor.ts) and a tag for its client id. */
  processor(): { connection: ConnectionOptions; tag: string } {
    return { connection: { ...this.base }, tag: this.tag };
  }

  /** The replayer, without its callbacks; it waits for its queue as long as the drain plus every outage. */
  replayer(profile: string, log: string): ReplayOptions {
    const s = this.scenario;
    return {
      profile,
      format: s.profileFormat,
      topic: s.topic,
      pacing: s.pacing,
      qos: this.spec.qos,
      payloadFormat: s.payloadFormat,
      loop: s.loop,
      queueQos0: s.queueQos0,
      ...(s.maxInflight !== undefined ? { maxInflight: s.maxInflight } : {}),
      connection: { ...this.base, ...(this.urls ? { url: this.urls.replayer } : {}), clientId: `st-replay-${this.tag}`, clean: false },
      log,
      drainTimeoutMs: replayDrainTimeoutMs(s, this.spec),
    };
  }
}
