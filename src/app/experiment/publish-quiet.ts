import type { MqttClient } from 'mqtt';
import { SensortraceError } from '../../core/errors.js';
import type { Clock } from '../../io/clock.js';

/**
 * Safety net: longest wait for what is in flight to settle once the replay waits at the gate. Only
 * a machine stalled for this long hits it, and then the run fails with an error: the experiment
 * never goes on with a burst unsettled (that would change its counts).
 */
export const SETTLE_WAIT_MS = 20_000;
/** QoS 0 publishes the recorder has not received after this long are taken as lost (QoS 0 may be). */
const QOS0_UNDELIVERED_MS = 1000;

/** A filter nobody subscribes to, for the round trips. */
const PROBE_FILTER = 'sensortrace/experiment/quiet-probe';

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
 * What the replayer has published and what has become of it. With the replay waiting at the
 * experiment's gate (ReplayGate), the experiment acts once everything handed over is settled:
 * acknowledged by the broker (PUBACK, PUBCOMP), received and acknowledged by the recorder, and
 * the broker has read both clients' last packets. Watches MQTT.js's public packet events.
 */
export class PublishQuiet {
  private readonly inFlight = new Set<number>();
  private readonly received = new Set<number>();
  /** The replayer's publishes the recorder has not received yet, with their QoS and time sent. */
  private readonly undelivered = new Map<string, { qos: number; at: number }>();
  /** The recorder, while it is connected: only then can the replayer's publishes reach it. */
  private recorder: MqttClient | undefined;
  /** The recorder receives the replayer's topics (not so when it records a processor's output only). */
  private recorderSeesReplayer = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly replayer: MqttClient,
    private readonly clock: Clock,
  ) {
    replayer.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'publish') return;
      if (this.recorder?.connected) this.noteUndelivered(packet);
      if ((packet.qos ?? 0) > 0 && packet.messageId !== undefined) this.inFlight.add(packet.messageId);
      this.check();
    });
    replayer.on('packetreceive', (packet: Packet) => {
      if ((packet.cmd === 'puback' || packet.cmd === 'pubcomp') && packet.messageId !== undefined) {
        this.inFlight.delete(packet.messageId);
        this.check();
      }
    });
    // A lost connection's in-flight messages are resent after the reconnect, their acks then.
    replayer.on('close', () => {
      this.inFlight.clear();
      this.check();
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
      if (this.undelivered.delete(key(packet))) {
        this.recorderSeesReplayer = true;
        this.check();
      }
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
   * Once nothing handed over is in flight: acknowledged by the broker, received and acknowledged
   * by the recorder, and both clients' last packets read by the broker (round trips). Call with
   * the replay waiting at the gate. Throws after SETTLE_WAIT_MS (a safety net, see there).
   */
  async settled(what: string): Promise<void> {
    await this.waitFor(() => this.inFlight.size === 0 && this.received.size === 0 && !this.awaitingRecorder(), what);
    await Promise.all([this.roundTrip(this.replayer, what), this.roundTrip(this.recorder, what)]);
  }

  private awaitingRecorder(): boolean {
    if (!this.recorderSeesReplayer || !this.recorder?.connected) return false;
    const lostBefore = this.clock.now() - QOS0_UNDELIVERED_MS;
    for (const { qos, at } of this.undelivered.values()) if (qos > 0 || at >= lostBefore) return true;
    return false;
  }

  /**
   * 'packetsend' means handed to the socket, which the recorder corks per burst (ack-after-write):
   * an UNSUBSCRIBE of a filter the client never had, answered by UNSUBACK, proves the broker has
   * read everything the client wrote before it (MQTT keeps a connection's packets in order).
   */
  private roundTrip(client: MqttClient | undefined, what: string): Promise<void> {
    if (!client?.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const cancel = this.clock.setTimer(this.clock.now() + SETTLE_WAIT_MS, () => reject(this.stalled(what)));
      client.unsubscribe(PROBE_FILTER, () => {
        cancel();
        resolve();
      });
    });
  }

  private waitFor(condition: () => boolean, what: string): Promise<void> {
    const clock = this.clock;
    return new Promise<void>((resolve, reject) => {
      let cancel: () => void = () => undefined;
      let cancelRecheck: () => void = () => undefined;
      const finish = (error?: SensortraceError): void => {
        cancel();
        cancelRecheck();
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (error) reject(error);
        else resolve();
      };
      const waiter = (): void => {
        if (condition()) finish();
      };
      // QoS 0 publishes left undelivered age out without a packet to tell: look again meanwhile.
      const recheck = (): void => {
        cancelRecheck = clock.setTimer(clock.now() + QOS0_UNDELIVERED_MS / 4, () => {
          recheck();
          waiter();
        });
      };
      this.waiters.push(waiter);
      cancel = clock.setTimer(clock.now() + SETTLE_WAIT_MS, () => finish(this.stalled(what)));
      recheck();
      waiter();
    });
  }

  private stalled(what: string): SensortraceError {
    return new SensortraceError(`${what}: what the replayer had sent was not settled (acknowledged by the broker, received by the recorder) within ${SETTLE_WAIT_MS / 1000} s; the run stops rather than count a burst on the wrong side`, 'E_BROKER');
  }

  private noteUndelivered(packet: Packet): void {
    const now = this.clock.now();
    for (const [k, { qos, at }] of this.undelivered) {
      if (at >= now - QOS0_UNDELIVERED_MS) break;
      if (qos === 0) this.undelivered.delete(k);
    }
    this.undelivered.set(key(packet), { qos: packet.qos ?? 0, at: now });
  }

  private check(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
