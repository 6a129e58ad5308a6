import { ErrorWithSubackPacket, type IClientSubscribeOptions, type IConnackPacket, type IPublishPacket, type ISubscriptionGrant, type MqttClient } from 'mqtt';
import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { Emission, RuleEngine } from '../../core/rules/engine.js';
import type { Clock } from '../../io/clock.js';
import type { AbsenceTimer } from './absence-timer.js';
import type { ProcessStop } from './process-stop.js';
import { sharedRefusalHint } from '../../core/trace/suback.js';

export type Subscription = { filter: string; qos: number };

function refusal(filters: readonly string[]): SensortraceError {
  return new SensortraceError(`broker refused the subscription to ${filters.join(', ')}${sharedRefusalHint(filters)}`, 'E_BROKER');
}

/** Subscribes to every filter the rules listen to (MQTT 5: with No Local); a refused filter is an E_BROKER error. */
export async function subscribeAll(client: MqttClient, subscriptions: readonly Subscription[], v5: boolean): Promise<void> {
  const map: Record<string, IClientSubscribeOptions> = {};
  // No Local on a shared subscription is a protocol error (MQTT 5, 3.8.3.1): shared ones go without it.
  for (const s of subscriptions) map[s.filter] = v5 && !s.filter.startsWith('$share/') ? { qos: s.qos as 0 | 1 | 2, nl: true } : { qos: s.qos as 0 | 1 | 2 };
  let granted: ISubscriptionGrant[];
  try {
    granted = await client.subscribeAsync(map);
  } catch (error) {
    // MQTT.js rejects a SUBACK with a failure code itself; its codes are in the order we subscribed.
    if (!(error instanceof ErrorWithSubackPacket)) throw error;
    const codes = error.packet.granted as number[];
    throw refusal(Object.keys(map).filter((_, i) => (codes[i] ?? 0) >= 0x80));
  }
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length > 0) throw refusal(refused.map((g) => g.topic));
}

export interface MessageFlow {
  client: MqttClient;
  engine: RuleEngine;
  clock: Clock;
  stop: ProcessStop;
  absences: AbsenceTimer;
  /** Carries out what the engine emitted (publish, CSV row, log). */
  carryOut: (emissions: Emission[]) => void;
  /** Subscribes (again). */
  subscribe: () => Promise<void>;
  /** Stop after this many input messages. */
  count?: number | undefined;
  onWarning: (message: string) => void;
}

/** `subscribeAll`, then a 'subscribe' connection event listing what was subscribed to. */
export async function subscribeAndTell(client: MqttClient, subscriptions: readonly Subscription[], v5: boolean, clock: Clock, onEvent: (event: ConnectionEvent) => void): Promise<void> {
  await subscribeAll(client, subscriptions, v5);
  onEvent({ at: clock.now(), source: 'process', event: 'subscribe', detail: subscriptions.map((s) => `${s.filter} q${s.qos}`).join(' ') });
}

/**
 * The CEP message flow: each message → the rule engine → its emissions carried out → the
 * absence timer moved if it has to be → stop once `count` messages came in. A reconnect
 * without a session means the broker forgot our subscriptions: they are made again.
 */
export function attachMessageFlow(flow: MessageFlow): void {
  const { client, engine, clock, stop } = flow;
  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (stop.stopping) return;
    const message = { topic, payload, at: clock.now(), retain: packet.retain, qos: packet.qos, userProperties: packet.properties?.userProperties };
    stop.guard(() => flow.carryOut(engine.handle(message)));
    flow.absences.schedule(message.at);
    if (flow.count !== undefined && engine.stats.received >= flow.count) stop.finish('count');
  });
  client.on('connect', (connack: IConnackPacket) => {
    if (!connack.sessionPresent && !stop.stopping) flow.subscribe().catch((error: Error) => flow.onWarning(`resubscribe failed: ${error.message}`));
  });
}
