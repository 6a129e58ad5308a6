import type { MqttClient } from 'mqtt';
import type { ClientRole, FollowRelease, Release } from '../../core/experiment/choreography.js';
import type { Clock } from '../../io/clock.js';
import { ClientHold } from './client-hold.js';
import { sleepUntil } from './interruptible.js';
import { PublishQuiet } from './publish-quiet.js';

/** What one restart's comeback looked like: when each client was back (CONNACK), and with what session. */
export interface Comeback {
  /** When the first client was let back: the end of the outage the clients saw. */
  releasedAt?: number;
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
  private recorder: MqttClient | undefined;
  /** Planned cuts, armed as soon as the replayer exists (see schedule). */
  private cuts: number[] = [];
  /** The replayer's socket corked across a stop (see beforeStop). */
  private uncorkAfterStop: (() => void) | undefined;

  constructor(
    private readonly releases: readonly [Release, Release],
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {}

  /** The replayer's MQTT client, as soon as it exists (replay's onClient). */
  readonly replayerClient = (client: MqttClient): void => {
    const hold = new ClientHold(client, false);
    this.holds.set('replayer', hold);
    this.quiet = new PublishQuiet(client, this.clock, () => hold.corkWrites());
    for (const at of this.cuts) this.quiet.arm(at);
    if (this.recorder) this.quiet.watchRecorder(this.recorder);
  };

  /** The recorder's MQTT client (trace's onClient): back once subscribed again. */
  readonly recorderClient = (client: MqttClient): void => {
    this.holds.set('recorder', new ClientHold(client, true));
    this.recorder = client;
    this.quiet?.watchRecorder(client);
  };

  /** The restarts' planned moments, known when the replay starts: each cut is armed now (PublishQuiet.arm). */
  schedule(cuts: readonly number[]): void {
    this.cuts = [...cuts];
    for (const at of cuts) this.quiet?.arm(at);
  }

  /**
   * Before a stop due at `at`: right after the replayer's burst due then, its socket corked (nothing
   * it publishes later reaches the broker before it goes, however long the stop takes) and that
   * burst settled; then both clients held. Returns the moment of the cut.
   */
  async beforeStop(at: number): Promise<number> {
    const held = await this.holdReplayerAfterBurst(at);
    this.uncorkAfterStop = held?.uncork;
    for (const hold of this.holds.values()) hold.hold();
    return held?.at ?? this.clock.now();
  }

  /** The broker is listening again: lets the clients back as planned from `scheduledStartAt`. */
  async bringBack(scheduledStartAt: number): Promise<Comeback> {
    const comeback: Comeback = { clients: [] };
    const back = new Map<ClientRole, number>();
    let followerCut: number | undefined;
    for (const release of this.releases) {
      const at = Math.max('atMs' in release ? scheduledStartAt + release.atMs : this.afterOther(release, back, scheduledStartAt), this.clock.now());
      if (!(await sleepUntil(this.clock, at, this.signal))) return comeback;
      if (release.client === 'replayer') this.uncorkAfterStop?.();
      // A recorder let back while the replayer publishes: right after a burst, the replayer's writes
      // held until the recorder is subscribed again, so the broker sees the SUBSCRIBE first.
      // The cork armed for this moment (it fires at the first publish after it, even if we are late).
      const held = release.client === 'recorder' ? await this.holdReplayerAfterBurst(followerCut ?? at) : undefined;
      followerCut = undefined;
      const uncork = held?.uncork ?? ((): void => undefined);
      // The planned moment (the timer may fire a fraction early or late): a burst due at that very
      // moment is then always after the outage, never on whichever side the timers put it.
      comeback.releasedAt ??= at;
      const ready = await this.release(release.client);
      // The replayer is back once its backlog is through: what it resent and queued reached the broker.
      if (ready && release.client === 'replayer') await this.quiet?.backlogSent();
      uncork();
      // The gap of a follower counts from its leader's planned time, so it too is on the replay's timeline.
      back.set(release.client, at);
      const next = this.releases[this.releases.indexOf(release) + 1];
      if (next && next.client === 'recorder' && 'after' in next && this.online('replayer')) {
        // Armed once the leader's backlog is through, at the planned moment: the cut follows the first
        // live burst at or after it, even when the leader came back late (its backlog is not a burst).
        followerCut = at + next.gapMs;
        this.quiet?.arm(followerCut);
      }
      if (ready) comeback.clients.push({ client: release.client, ...ready });
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

  /** The replayer corked right after its burst due at `at` (PublishQuiet), when it is connected. */
  private async holdReplayerAfterBurst(at: number): Promise<{ at: number; uncork: () => void } | undefined> {
    const replayer = this.holds.get('replayer');
    if (!this.quiet || !replayer) return undefined;
    if (!this.online('replayer')) {
      this.quiet.disarm(at);
      return undefined;
    }
    return this.quiet.holdAfterBurst(at);
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
