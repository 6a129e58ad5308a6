import type { MqttClient } from 'mqtt';
import type { Clock } from '../../io/clock.js';

/** Longest wait for the replayer's next publish: past the last reading none comes, and the restart goes on. */
export const QUIET_WAIT_MS = 1000;
/** Longest wait for the replayer's backlog after a reconnect (a loaded machine acknowledges QoS 2 slowly). */
export const BACKLOG_WAIT_MS = 5000;

/** A filter nobody subscribes to, for the recorder's round trip. */
const PROBE_FILTER = 'sensortrace/experiment/quiet-probe';

/** A cork armed for the first publish at or after `at`; `done` once corked. */
interface CorkPoint {
  at: number;
  due: boolean;
  done: Promise<{ at: number; uncork: () => void }>;
  fire: () => void;
}

interface Packet {
  cmd: string;
  qos?: number;
  messageId?: number;
  topic?: string;
  payload?: Buffer | string;
}

/** A publish as both ends see it (topic and payload; the payload carries the seq). */
const key = (packet: Packet): string => `${packet.topic ?? ''}\u0000${packet.payload?.toString() ?? ''}`;

/**
 * The replayer's quiet moments. The readings go out in bursts at planned times; a restart or a
 * client's return that lands on a burst makes its fate a race (was it in flight at the cut? did
 * the broker route it before or after the recorder's SUBSCRIBE?). So the experiment acts right
 * after a burst: once the replayer has sent a publish and the broker has acknowledged everything
 * in flight (PUBACK, PUBCOMP; QoS 0 has nothing to wait for), with the whole gap to the next burst
 * for the broker to go or the client to come back. Watches MQTT.js's public packet events.
 */
export class PublishQuiet {
  private readonly inFlight = new Set<number>();
  private readonly received = new Set<number>();
  /** The replayer's recent publishes the recorder has not received yet (time sent, pruned after QUIET_WAIT_MS). */
  private readonly undelivered = new Map<string, number>();
  /** The recorder, while it is connected: only then can the replayer's publishes reach it. */
  private recorder: MqttClient | undefined;
  private lastPublishAt = -Infinity;
  private corked = false;
  private waiters: Array<() => void> = [];
  /** Moments to cork at, armed ahead: the cork follows the first publish at or after each. */
  private points: CorkPoint[] = [];

  constructor(
    client: MqttClient,
    private readonly clock: Clock,
    /** Corks the replayer's socket once what it holds is written; resolves with the uncork (ClientHold.corkWrites). */
    private readonly corkSocket: () => Promise<() => void>,
  ) {
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'publish') return;
      this.lastPublishAt = clock.now();
      // Written into the corked socket: held back, it cannot be acknowledged or received until uncorked.
      if (this.corked) return;
      this.fireDuePoints();
      if (this.recorder?.connected) this.noteUndelivered(packet);
      if ((packet.qos ?? 0) > 0 && packet.messageId !== undefined) this.inFlight.add(packet.messageId);
      this.check();
    });
    client.on('packetreceive', (packet: Packet) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubcomp') && packet.messageId !== undefined) {
        this.inFlight.delete(packet.messageId);
        this.check();
      }
    });
    // A lost connection's in-flight messages are resent after the reconnect, their acks then.
    client.on('close', () => {
      this.inFlight.clear();
      this.corked = false;
    });
  }

  /**
   * The recorder's side of a burst: a QoS 1/2 message it received is in flight until its PUBACK
   * (or PUBCOMP) has gone out. A broker stopped before that keeps the message for the recorder's
   * session and sends it again: a duplicate that only the timing of the cut decided.
   */
  watchRecorder(client: MqttClient): void {
    this.recorder = client;
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd !== 'publish') return;
      if ((packet.qos ?? 0) > 0 && packet.messageId !== undefined) this.received.add(packet.messageId);
      if (this.undelivered.delete(key(packet))) this.check();
    });
    client.on('packetsend', (packet: Packet) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubcomp') && packet.messageId !== undefined) {
        this.received.delete(packet.messageId);
        this.check();
      }
    });
    client.on('close', () => {
      this.received.clear();
      this.undelivered.clear();
      this.check();
    });
  }

  /**
   * Once the replayer has published its burst due at `since` (a planned moment: the burst counts
   * even when it went out a moment before this was called, so which of two timers due together
   * fired first does not matter), corks it — nothing it publishes later reaches the broker until
   * the returned uncork — and waits until that burst is settled: acknowledged by the broker,
   * received and acknowledged by the recorder, those acknowledgements read by the broker. Each wait
   * ends after QUIET_WAIT_MS at the latest (past the last reading no burst comes). Resolves with
   * the moment of the cork and the uncork.
   */
  async holdAfterBurst(since: number): Promise<{ at: number; uncork: () => void }> {
    // Armed ahead (a cut, or a follower's return once the leader's backlog is through): a publish
    // since then fired it. Armed only now: the next publish does.
    const point = this.points.find((p) => p.at === since) ?? this.arm(since);
    // Past the last reading no burst comes: cork anyway after QUIET_WAIT_MS.
    const cancel = this.clock.setTimer(this.clock.now() + QUIET_WAIT_MS, point.fire);
    const held = await point.done;
    cancel();
    this.points = this.points.filter((p) => p !== point);
    await this.waitFor(() => this.inFlight.size === 0 && this.received.size === 0 && this.undelivered.size === 0);
    await this.recorderRoundTrip();
    return held;
  }

  /**
   * Arms a cork for the first publish at or after `at`, ahead of time: a timer due at `at` that
   * fires late on a loaded machine would otherwise find the next burst already gone.
   */
  arm(at: number): CorkPoint {
    let resolve: (held: { at: number; uncork: () => void }) => void = () => undefined;
    const done = new Promise<{ at: number; uncork: () => void }>((r) => (resolve = r));
    let fired = false;
    const point: CorkPoint = {
      at,
      due: false,
      done,
      fire: () => {
        if (fired) return;
        fired = true;
        void this.corkSocket().then((uncorkSocket) => {
          this.corked = true;
          resolve({
            at: this.clock.now(),
            uncork: () => {
              this.corked = false;
              uncorkSocket();
            },
          });
        });
      },
    };
    this.points.push(point);
    return point;
  }

  /**
   * After a reconnect: once everything the replayer had queued is out and acknowledged. MQTT.js
   * resends its store before 'connect', but the replay hands its backlog over only as fast as the
   * acknowledgements free its in-flight window; nothing in flight means the backlog is through.
   */
  backlogSent(): Promise<void> {
    return this.waitFor(() => this.inFlight.size === 0, BACKLOG_WAIT_MS);
  }

  /** A cork armed for `at` that is no longer wanted (the replayer went offline meanwhile). */
  disarm(at: number): void {
    this.points = this.points.filter((p) => p.at !== at || p.due);
  }

  private fireDuePoints(): void {
    for (const point of this.points) if (!point.due && this.lastPublishAt >= point.at) this.fireSoon(point);
  }

  /** The burst's other publishes are written in the same turn of the event loop: cork after them. */
  private fireSoon(point: CorkPoint): void {
    point.due = true;
    setImmediate(point.fire);
  }

  /**
   * 'packetsend' means handed to the socket, which the recorder corks per burst (ack-after-write):
   * an UNSUBSCRIBE of a filter it never had, answered by UNSUBACK, proves the broker has read
   * everything the recorder wrote before it (MQTT keeps a connection's packets in order).
   */
  private recorderRoundTrip(): Promise<void> {
    const recorder = this.recorder;
    if (!recorder?.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const cancel = this.clock.setTimer(this.clock.now() + QUIET_WAIT_MS, resolve);
      recorder.unsubscribe(PROBE_FILTER, () => {
        cancel();
        resolve();
      });
    });
  }

  private waitFor(condition: () => boolean, maxMs = QUIET_WAIT_MS): Promise<void> {
    const clock = this.clock;
    return new Promise((resolve) => {
      let cancel: () => void = () => undefined;
      const waiter = (): void => {
        if (condition()) finish();
      };
      const finish = (): void => {
        cancel();
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
      cancel = clock.setTimer(clock.now() + maxMs, finish);
      waiter();
    });
  }

  private noteUndelivered(packet: Packet): void {
    const now = this.clock.now();
    for (const [k, at] of this.undelivered) {
      if (at >= now - QUIET_WAIT_MS) break;
      this.undelivered.delete(k);
    }
    this.undelivered.set(key(packet), now);
  }

  private check(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
