import type { MqttClient } from 'mqtt';
import type { PublishEmission } from '../../core/rules/engine.js';
import type { Clock } from '../../io/clock.js';
import { Qos0Frames } from '../../io/mqtt/qos0-frames.js';

/**
 * Publishes what rules emit and counts the outcome: published once the broker took it
 * (PUBACK/PUBCOMP for QoS 1/2, handed to the socket for QoS 0), failed otherwise (e.g. QoS 0
 * while disconnected). With MQTT 5 the emission's user properties travel along.
 */
export class EmissionPublisher {
  published = 0;
  failed = 0;
  inFlight = 0;
  private onDrained: (() => void) | undefined;
  /** MQTT 3.1.1 QoS 0: frames built here, all a burst of input produced in one socket write. */
  private readonly qos0Frames: Qos0Frames | undefined;
  /** A QoS 0 frame handed to the socket with its burst, or lost with the connection before that (failed). */
  private readonly qos0Done = (error?: Error): void => this.settled(error);

  constructor(
    private readonly client: MqttClient,
    private readonly v5: boolean,
  ) {
    // MQTT 5 carries user properties on every publish: those go through MQTT.js.
    if (!v5) this.qos0Frames = new Qos0Frames(client, { flushAt: 'immediate' });
  }

  publish(emission: PublishEmission): void {
    this.inFlight++;
    // Only while connected: MQTT.js fails a QoS 0 publish while away (queueQoSZero is off), and that is counted as failed.
    if (emission.qos === 0 && this.qos0Frames && this.client.connected && !this.client.disconnecting) {
      this.qos0Frames.publish(emission.topic, emission.payload, emission.retain, this.qos0Done);
      return;
    }
    const options: Parameters<MqttClient['publish']>[2] = { qos: emission.qos, retain: emission.retain };
    if (this.v5) options.properties = { userProperties: emission.userProperties };
    this.client.publish(emission.topic, emission.payload, options, (error) => this.settled(error));
  }

  /** Writes what the QoS 0 path holds (before the connection ends). */
  flush(): void {
    this.qos0Frames?.flush();
  }

  private settled(error: Error | undefined): void {
    if (error) this.failed++;
    else this.published++;
    if (--this.inFlight === 0) this.onDrained?.();
  }

  /** Waits until no publish is in flight, at most `timeoutMs` (a broker gone for good must not hold the exit). */
  async settle(clock: Clock, timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    let cancel: () => void = () => undefined;
    await new Promise<void>((resolve) => {
      this.onDrained = resolve;
      cancel = clock.setTimer(clock.now() + timeoutMs, resolve);
    });
    cancel();
    this.onDrained = undefined;
  }
}
