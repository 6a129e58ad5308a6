import { ErrorWithSubackPacket, type IConnackPacket, type ISubscriptionGrant, type MqttClient } from 'mqtt';
import type { ParsedFilter } from '../../core/mqtt/topic-filter.js';
import type { Qos } from '../../core/records.js';
import { checkFirstSuback, describeGrants } from '../../core/trace/suback.js';

/**
 * The tracer's subscription: one SUBSCRIBE for every filter at start, and again after a
 * reconnect that found no session. MQTT.js's own resubscribe is off (openConnection): a
 * resumed session still has the subscription, and only a lost one needs SUBSCRIBE again.
 */
export class TraceSubscription {
  private subscribed = false;

  constructor(
    private readonly client: MqttClient,
    private readonly filters: readonly ParsedFilter[],
    private readonly qos: Qos,
  ) {}

  /**
   * Resubscribes on every connect without a session once the first SUBACK is in, while
   * `active()`; reports the outcome as a `subscribe` or `error` event through `note`.
   */
  resubscribeAfterLostSession(active: () => boolean, note: (kind: 'subscribe' | 'error', detail: string) => void): void {
    this.client.on('connect', (connack: IConnackPacket) => {
      if (!this.subscribed || connack.sessionPresent || !active()) return;
      this.subscribe().then(
        (granted) => note('subscribe', `resubscribed after a lost session: ${describeGrants(granted)}`),
        (error: Error) => note('error', `resubscribe failed: ${error.message}`),
      );
    });
  }

  /**
   * The first SUBACK is in: returns the `subscribe` event's detail and from now on resubscribes
   * after a lost session. Throws E_BROKER when every filter was refused.
   */
  confirm(granted: readonly ISubscriptionGrant[]): string {
    const detail = checkFirstSuback(granted);
    this.subscribed = true;
    return detail;
  }

  /**
   * SUBSCRIBE to every filter; resolves with the SUBACK's grants, refusals included (a code ≥ 0x80
   * for the filter at that place): MQTT.js fails the whole call when any filter is refused, and
   * confirm() is where a refusal is judged (all refused: E_BROKER with the reason; some: a note).
   */
  subscribe(): Promise<ISubscriptionGrant[]> {
    const map = Object.fromEntries(this.filters.map((f) => [f.filter, { qos: this.qos }]));
    return this.client.subscribeAsync(map).catch((error: unknown) => {
      const codes = error instanceof ErrorWithSubackPacket ? (error.packet as { granted?: unknown } | undefined)?.granted : undefined;
      if (!Array.isArray(codes)) throw error;
      return Object.keys(map).map((topic, i) => ({ topic, qos: Number(codes[i] ?? 0x80) }) as ISubscriptionGrant);
    });
  }
}
