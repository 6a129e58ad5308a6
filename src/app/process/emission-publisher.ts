import type { MqttClient } from 'mqtt';
import type { PublishEmission } from '../../core/rules/engine.js';
import type { Clock } from '../../io/clock.js';

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

  constructor(
    private readonly client: MqttClient,
    private readonly v5: boolean,
  ) {}

  publish(emission: PublishEmission): void {
    this.inFlight++;
    const options: Parameters<MqttClient['publish']>[2] = { qos: emission.qos, retain: emission.retain };
    if (this.v5) options.properties = { userProperties: emission.userProperties };
    this.client.publish(emission.topic, emission.payload, options, (error) => {
      if (error) this.failed++;
      else this.published++;
      if (--this.inFlight === 0) this.onDrained?.();
    });
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
