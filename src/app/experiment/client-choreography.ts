import type { MqttClient } from 'mqtt';
import type { ClientRole, FollowRelease, Release } from '../../core/experiment/choreography.js';
import type { Clock } from '../../io/clock.js';
import { ClientHold } from './client-hold.js';
import { sleepUntil } from './interruptible.js';
import { PublishQuiet } from './publish-quiet.js';

/** What one restart's comeback looked like: when each client was back (CONNACK), and with what session. */
export interface Comeback {
  /** The first client's CONNACK: from then on the broker was back for the clients. */
  backAt?: number;
  clients: Array<{ client: ClientRole; connackAt: number; sessionPresent: boolean }>;
}

/**
 * The run's two clients during restarts: held offline before the broker goes (right after a burst
 * of the replayer's, nothing in flight), and let back in the scenario's order (core/experiment/
 * choreography.ts) — a client that comes back while the replayer is publishing, right after one of
 * its bursts, so the broker sees its SUBSCRIBE before the next one. Times `at` are on the replay's
 * timeline: after the broker's scheduled start (restart.at + downFor), not after however long its
 * start happened to take.
 */
export class ClientChoreography {
  private readonly holds = new Map<ClientRole, ClientHold>();
  private quiet: PublishQuiet | undefined;

  constructor(
    private readonly releases: readonly [Release, Release],
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {}

  /** The replayer's MQTT client, as soon as it exists (replay's onClient). */
  readonly replayerClient = (client: MqttClient): void => {
    this.holds.set('replayer', new ClientHold(client, false));
    this.quiet = new PublishQuiet(client);
  };

  /** The recorder's MQTT client (trace's onClient): back once subscribed again. */
  readonly recorderClient = (client: MqttClient): void => {
    this.holds.set('recorder', new ClientHold(client, true));
  };

  /** Before a stop: after the replayer's next burst is acknowledged, both clients are held. */
  async beforeStop(): Promise<void> {
    await this.afterBurst();
    for (const hold of this.holds.values()) hold.hold();
  }

  /** The broker is listening again: lets the clients back as planned from `scheduledStartAt`. */
  async bringBack(scheduledStartAt: number): Promise<Comeback> {
    const comeback: Comeback = { clients: [] };
    const back = new Map<ClientRole, number>();
    for (const release of this.releases) {
      const at = 'atMs' in release ? scheduledStartAt + release.atMs : this.afterOther(release, back, scheduledStartAt);
      if (!(await sleepUntil(this.clock, Math.max(at, this.clock.now()), this.signal))) return comeback;
      if (release.client === 'recorder' && this.online('replayer')) await this.afterBurst();
      const ready = await this.release(release.client);
      // The gap of a follower counts from its leader's planned time, so it too is on the replay's timeline.
      back.set(release.client, at);
      if (!ready) continue;
      comeback.clients.push({ client: release.client, ...ready });
      comeback.backAt = Math.min(comeback.backAt ?? Infinity, ready.connackAt);
    }
    return comeback;
  }

  private afterOther(release: FollowRelease, back: ReadonlyMap<ClientRole, number>, scheduledStartAt: number): number {
    return (back.get(release.after) ?? scheduledStartAt) + release.gapMs;
  }

  private online(role: ClientRole): boolean {
    const hold = this.holds.get(role);
    return hold !== undefined && !hold.ended && hold.client.connected;
  }

  /** Right after the replayer's next burst, when it is connected; at once otherwise. */
  private async afterBurst(): Promise<void> {
    if (this.quiet && this.online('replayer')) await this.quiet.afterNextPublish(this.clock);
  }

  private async release(role: ClientRole): Promise<{ connackAt: number; sessionPresent: boolean } | undefined> {
    const hold = this.holds.get(role);
    if (!hold) return undefined;
    const aborted = new Promise<undefined>((resolve) => {
      if (this.signal.aborted) resolve(undefined);
      this.signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    return Promise.race([hold.release(this.clock), aborted]);
  }
}
