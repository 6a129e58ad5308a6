/**
 * `replay --connections N` and `--partition k/N`: the connections a replay publishes on ("lanes"),
 * each with its own session, packet ids, publisher, publish window, events and give-up watch. The
 * pacing loop asks `route(sensor)` for a row's lane; a sensor always gets the same one
 * (core/schedule/partition.ts), so per-sensor order holds. With one connection nothing changes:
 * client id, events source (`replay`) and sent log are those of a plain replay.
 */
import type { MqttClient } from 'mqtt';
import { connectionOf, partitionOf, type Partition } from '../../core/schedule/partition.js';
import { PacingSplit, PacingStats } from '../../core/schedule/pacing-stats.js';
import type { ConnectionEvent, SentRecord } from '../../core/records.js';
import type { Clock } from '../../io/clock.js';
import type { MqttConnection } from '../../io/mqtt/connection.js';
import type { GiveUpWatch } from '../../io/mqtt/give-up.js';
import { persistentSession, withSessionDetail } from '../../io/mqtt/session.js';
import { ConnectionEvents } from './connection-events.js';
import { SeqMessageIds } from './message-ids.js';
import { MqttPublisher } from './mqtt-publisher.js';
import type { PublishWindow } from './publish-window.js';
import { connectSession, giveUpWatchFor, replaySession, type ReplaySession } from './replay-session.js';
import type { ReplayOptions } from './replay-types.js';

/** The pacing statistics every lane adds to (one set for the whole replay). */
export interface SharedPacing {
  connected: PacingStats;
  outage: PacingStats;
}

export class Lane {
  window!: PublishWindow;
  readonly pacing: PacingSplit;
  constructor(
    /** 1..N with several connections; undefined with one (no sent-log column). */
    readonly number: number | undefined,
    readonly session: ReplaySession,
    readonly connection: MqttConnection,
    readonly publisher: MqttPublisher,
    readonly events: ConnectionEvents,
    readonly giveUp: GiveUpWatch | undefined,
    stats: SharedPacing,
  ) {
    this.pacing = new PacingSplit(stats.connected, stats.outage);
  }
}

/** The session of connection k of n: client id `<id>-c<k>` (a persistent one derived as without --connections). */
export function laneSession(options: Pick<ReplayOptions, 'qos' | 'connection' | 'log'>, k: number, n: number): ReplaySession {
  const base = replaySession(options);
  if (n === 1) return base;
  if (base.identity) {
    const identity = { ...base.identity, clientId: `${base.identity.clientId}-c${k}` };
    return { persistent: base.persistent, identity, options: persistentSession(options.connection, identity.clientId) };
  }
  const given = options.connection.clientId;
  return { ...base, options: given ? { ...options.connection, clientId: `${given}-c${k}` } : options.connection };
}

export interface LaneSetup {
  clock: Clock;
  /** The sent log's events sink. */
  logEvent: ((event: ConnectionEvent) => void) | undefined;
  /** A lane's broker stayed away too long (--give-up-after). */
  onGiveUp: () => void;
}

/** Opens every connection (in parallel); undefined when aborted first. One failing ends the others. */
export async function connectLanes(options: ReplayOptions, setup: LaneSetup): Promise<Lanes | undefined> {
  const n = options.connections ?? 1;
  const stats: SharedPacing = { connected: new PacingStats(), outage: new PacingStats() };
  const opening = Array.from({ length: n }, (_, i) => connectLane(options, setup, i + 1, n, stats));
  const settled = await Promise.allSettled(opening);
  const lanes = settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed || lanes.length < n) {
    for (const lane of lanes) lane.giveUp?.stop();
    await Promise.all(lanes.map((lane) => lane.connection.end(true)));
    if (failed) throw failed.reason;
    return undefined;
  }
  return new Lanes(lanes, options.partition, stats);
}

async function connectLane(options: ReplayOptions, setup: LaneSetup, k: number, n: number, stats: SharedPacing): Promise<Lane | undefined> {
  const session = laneSession(options, k, n);
  const giveUp = giveUpWatchFor(options.connection, setup.clock, setup.onGiveUp);
  const events = new ConnectionEvents([setup.logEvent && withSessionDetail(session.identity, setup.logEvent), options.onEvent, giveUp?.handle]);
  const ids = new SeqMessageIds();
  const onClient = options.onClient && ((client: MqttClient) => options.onClient!(client));
  const hooks = { source: n === 1 ? 'replay' : `replay-c${k}`, onEvent: events.handle, clock: setup.clock, clientOptions: { messageIdProvider: ids }, ...(onClient ? { onClient } : {}) };
  let connection: MqttConnection | undefined;
  try {
    connection = await connectSession(session, hooks, options.signal);
  } catch (error) {
    giveUp?.stop();
    throw error;
  }
  if (!connection) {
    giveUp?.stop();
    return undefined;
  }
  // A caller that takes the client (an experiment's choreography) watches MQTT.js's packet events to
  // know what was in flight at a cut; hand-built QoS 0 frames would pass it by.
  const mqttjsFrames = options.onClient !== undefined;
  const publisher = new MqttPublisher(connection.client, ids, { retain: Boolean(options.retain), v5: options.connection.protocolVersion === 5, mqttjsFrames });
  return new Lane(n === 1 ? undefined : k, session, connection, publisher, events, giveUp, stats);
}

/** The lanes of one replay, with the counts the summary and progress report summed over them. */
export class Lanes {
  private readonly routes = new Map<string, Lane | null>();
  readonly pacing: { connected: PacingStats; outage: PacingStats };

  constructor(
    readonly list: Lane[],
    private readonly partition: Partition | undefined,
    stats: SharedPacing,
  ) {
    this.pacing = stats;
  }

  /** The lane of a sensor; undefined when it belongs to another partition. */
  route(sensor: string): Lane | undefined {
    let lane = this.routes.get(sensor);
    if (lane === undefined) {
      const { partition, list } = this;
      const mine = !partition || partitionOf(sensor, partition.count) === partition.index;
      lane = mine ? list[connectionOf(sensor, list.length, partition?.count ?? 1) - 1]! : null;
      this.routes.set(sensor, lane);
    }
    return lane ?? undefined;
  }

  private sum(count: (window: PublishWindow) => number): number {
    let total = 0;
    for (const lane of this.list) total += count(lane.window);
    return total;
  }

  get sent(): number {
    return this.sum((w) => w.sent);
  }
  get published(): number {
    return this.sum((w) => w.published);
  }
  get acknowledged(): number {
    return this.sum((w) => w.acknowledged);
  }
  get queued(): number {
    return this.sum((w) => w.queued);
  }
  get dropped(): number {
    return this.sum((w) => w.dropped);
  }
  get unconfirmed(): number {
    return this.sum((w) => w.unconfirmed);
  }
  get inFlight(): number {
    return this.sum((w) => w.inFlight);
  }
  get maxInflight(): number {
    return this.sum((w) => w.maxInflight);
  }
  get reconnects(): number {
    return this.list.reduce((total, lane) => total + lane.events.reconnects, 0);
  }
  /** Every connection is up. */
  get connected(): boolean {
    return this.list.every((lane) => lane.publisher.connected);
  }
  /** The watch that gave up, if one did. */
  get gaveUp(): GiveUpWatch | undefined {
    return this.list.find((lane) => lane.giveUp?.gaveUp)?.giveUp;
  }

  outstanding(): SentRecord[] {
    return this.list.flatMap((lane) => lane.window.outstanding());
  }

  detach(): void {
    for (const lane of this.list) lane.window.detach();
  }

  stopGiveUps(): void {
    for (const lane of this.list) lane.giveUp?.stop();
  }

  /** Ends every connection (forced: outstanding messages are abandoned, not waited for). */
  async end(force: boolean): Promise<void> {
    await Promise.all(this.list.map((lane) => lane.connection.end(force)));
  }
}
