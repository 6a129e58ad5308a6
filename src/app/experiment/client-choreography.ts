import type { MqttClient } from 'mqtt';
import type { ClientRole, FollowRelease, Release } from '../../core/experiment/choreography.js';
import type { Clock } from '../../io/clock.js';
import { SensortraceError } from '../../core/errors.js';
import { ClientHold } from './client-hold.js';
import { sleepUntil } from './interruptible.js';
import { PublishQuiet } from './publish-quiet.js';
import { ReplayGate } from './replay-gate.js';

/** What one restart's comeback looked like: when each client was back (CONNACK), and with what session. */
export interface Comeback {
  /** When the first client was let back: the end of the outage the clients saw. */
  releasedAt?: number;
  clients: Array<{ client: ClientRole; connackAt: number; sessionPresent: boolean }>;
}

/** An outage window starts this long after the cut's moment (a reading planned at it went before) and ends this long before the release's. */
const CUT_AFTER_MS = 0.001;

/** Safety net: longest wait for the replay to reach the gate (everything planned before a cut or a return handed over). */
export const GATE_WAIT_MS = 20_000;

/**
 * The run's two clients during restarts, and the replay's gate (ReplayGate). Each restart's cut and
 * each return of the recorder while the replayer is connected is a planned moment on the replay's
 * timeline, closed in the gate as soon as the replay starts: rows planned after it wait there,
 * however late the process runs. At the moment, the experiment waits until every row planned
 * before it is handed over and settled (PublishQuiet), acts (holds the clients before the broker
 * stops; lets the recorder back and waits for its SUBSCRIBE), then opens the gate. The clients
 * come back in the scenario's order (core/experiment/choreography.ts), at times after the
 * broker's scheduled start (restart.at + downFor), not after however long its start took.
 */
export class ClientChoreography {
  /** The replay's gate (replay's `gate` option). */
  readonly gate = new ReplayGate();
  private readonly holds = new Map<ClientRole, ClientHold>();
  private quiet: PublishQuiet | undefined;
  private recorder: MqttClient | undefined;

  constructor(
    private readonly releases: readonly [Release, Release],
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {}

  /** The replayer's MQTT client, as soon as it exists (replay's onClient). */
  readonly replayerClient = (client: MqttClient): void => {
    this.holds.set('replayer', new ClientHold(client, false));
    this.quiet = new PublishQuiet(client, this.clock);
    if (this.recorder) this.quiet.watchRecorder(this.recorder);
  };

  /** The recorder's MQTT client (trace's onClient): back once subscribed again. */
  readonly recorderClient = (client: MqttClient): void => {
    this.holds.set('recorder', new ClientHold(client, true));
    this.recorder = client;
    this.quiet?.watchRecorder(client);
  };

  /**
   * The restarts' planned moments (each stop `at`, the broker due back `downForMs` later), known
   * when the replay starts, before its first row: the gate closes at each cut, at each planned return
   * of the replayer (what is planned later waits until it is connected again, even when the broker
   * started late) and at each planned return of the recorder after the replayer's.
   */
  schedule(restarts: ReadonlyArray<{ at: number; downForMs: number }>): void {
    for (const restart of restarts) {
      const scheduledStartAt = restart.at + restart.downForMs;
      this.gate.close(restart.at);
      this.gate.close(this.plannedReturns(scheduledStartAt).get('replayer')!);
      const recorderAt = this.recorderReturn(scheduledStartAt);
      if (recorderAt !== undefined) this.gate.close(recorderAt);
    }
  }

  /**
   * Before the stop planned at `at`: once every row planned up to `at` is handed over (even late)
   * and settled, both clients held. Rows planned later wait at the gate until the replayer has
   * seen the broker go (they then meet an offline client: queued at QoS 1/2, dropped at QoS 0).
   * Returns the moment of the cut: just after `at`.
   */
  async beforeStop(at: number): Promise<number> {
    // The outage (compare's window, which includes its start) starts just after the planned
    // moment: what was planned after it is what the stop cut off, however long settling took.
    let cutAt = this.clock.now();
    if (this.gate.isClosed(at)) {
      await this.untilReached(at, 'the cut');
      if (this.online('replayer')) await this.quiet?.settled(`the cut at ${this.describe(at)}`);
      cutAt = at + CUT_AFTER_MS;
    }
    for (const hold of this.holds.values()) hold.hold();
    this.openOnceOffline(at);
    return cutAt;
  }

  /** The broker is listening again: lets the clients back as planned from `scheduledStartAt`. */
  async bringBack(scheduledStartAt: number): Promise<Comeback> {
    const comeback: Comeback = { clients: [] };
    const planned = this.plannedReturns(scheduledStartAt);
    const recorderAt = this.recorderReturn(scheduledStartAt);
    for (const release of this.releases) {
      const at = Math.max(planned.get(release.client)!, this.clock.now());
      if (!(await sleepUntil(this.clock, at, this.signal))) return comeback;
      // The recorder after the replayer: everything planned up to its return reaches the broker
      // before its SUBSCRIBE, nothing planned later does (held at the gate until it is subscribed).
      const gated = release.client === 'recorder' && recorderAt !== undefined && this.gate.isClosed(recorderAt);
      if (gated && this.online('replayer')) {
        await this.untilReached(recorderAt, "the recorder's return");
        if (this.signal.aborted) return comeback;
        await this.quiet?.settled(`the recorder's return at ${this.describe(recorderAt)}`);
      }
      // The planned moment, even when the broker started late (the gate held what was planned after
      // it); a hair before it, so that a reading planned at the moment itself, whose planned time may
      // differ from it by a rounding, is always after the outage, never on whichever side rounding puts it.
      comeback.releasedAt ??= planned.get(release.client)! - CUT_AFTER_MS;
      const ready = await this.release(release.client);
      if (gated) this.gate.open(recorderAt);
      // Whatever was planned after the replayer's return reaches a connected replayer, however late it is back.
      if (release.client === 'replayer') this.gate.open(planned.get('replayer')!);
      if (ready) comeback.clients.push({ client: release.client, ...ready });
    }
    return comeback;
  }

  /** Each client's planned return: `at` after the scheduled start, or its leader's planned return + gap. */
  private plannedReturns(scheduledStartAt: number): Map<ClientRole, number> {
    const back = new Map<ClientRole, number>();
    for (const release of this.releases) back.set(release.client, 'atMs' in release ? scheduledStartAt + release.atMs : this.afterOther(release, back, scheduledStartAt));
    return back;
  }

  /** The recorder's planned return when it comes back after the replayer (so while it publishes). */
  private recorderReturn(scheduledStartAt: number): number | undefined {
    if (this.releases[1].client !== 'recorder') return undefined;
    return this.plannedReturns(scheduledStartAt).get('recorder');
  }

  private afterOther(release: FollowRelease, back: ReadonlyMap<ClientRole, number>, scheduledStartAt: number): number {
    return (back.get(release.after) ?? scheduledStartAt) + release.gapMs;
  }

  private online(role: ClientRole): boolean {
    const hold = this.holds.get(role);
    return hold !== undefined && !hold.ended && hold.client.connected;
  }

  /** The gate at `at` opens once the replayer has noticed the broker went (or at once when it is offline). */
  private openOnceOffline(at: number): void {
    const replayer = this.holds.get('replayer');
    if (!replayer || !this.online('replayer')) {
      this.gate.open(at);
      return;
    }
    replayer.client.once('close', () => this.gate.open(at));
  }

  /** Until the replay waits at the gate past `at` (or ended, or the run was aborted); throws after GATE_WAIT_MS. */
  private async untilReached(at: number, what: string): Promise<void> {
    if (this.gate.hasReached(at) || this.signal.aborted) return;
    let cancel: () => void = () => undefined;
    const stalled = new Promise<never>((_, reject) => {
      cancel = this.clock.setTimer(this.clock.now() + GATE_WAIT_MS, () => reject(new SensortraceError(`${what} at ${this.describe(at)}: the replay did not hand over the readings planned before it within ${GATE_WAIT_MS / 1000} s`, 'E_BROKER')));
    });
    let onAbort: () => void = () => undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.gate.reached(at), stalled, aborted]);
    } finally {
      cancel();
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private describe(at: number): string {
    return new Date(at).toISOString().slice(11, 23);
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
