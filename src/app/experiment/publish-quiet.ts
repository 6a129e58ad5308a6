import type { MqttClient } from 'mqtt';
import type { Clock } from '../../io/clock.js';

/** Longest wait for the replayer's next publish: past the last reading none comes, and the restart goes on. */
export const QUIET_WAIT_MS = 1000;

interface Packet {
  cmd: string;
  qos?: number;
  messageId?: number;
}

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
  private sent = 0;
  private waiters: Array<() => void> = [];

  constructor(client: MqttClient) {
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd !== 'publish') return;
      this.sent++;
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
    client.on('close', () => this.inFlight.clear());
  }

  /** Resolves after the next publish once nothing is in flight, or after QUIET_WAIT_MS at the latest. */
  afterNextPublish(clock: Clock): Promise<void> {
    const from = this.sent;
    return new Promise((resolve) => {
      let cancel: () => void = () => undefined;
      const waiter = (): void => {
        if (this.sent === from || this.inFlight.size > 0) return;
        finish();
      };
      const finish = (): void => {
        cancel();
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
      cancel = clock.setTimer(clock.now() + QUIET_WAIT_MS, finish);
    });
  }

  private check(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
