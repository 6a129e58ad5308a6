import { SensortraceError } from '../errors.js';

/** One filter's answer in a SUBACK: the granted QoS, or a reason code ≥ 0x80 when refused. */
export interface Grant {
  topic: string;
  qos: number;
}

/** `sensors/# q1 alerts/# q0`: what the events file says was granted. */
export function describeGrants(granted: readonly Grant[]): string {
  return granted.map((g) => `${g.topic} q${g.qos}`).join(' ');
}

/** What to try when a refused filter is a shared subscription: not every broker has them. */
export function sharedRefusalHint(filters: readonly string[]): string {
  return filters.some((f) => f.startsWith('$share/')) ? '; shared subscriptions ($share/…) need a broker that has them (Mosquitto ≥ 1.6, EMQX, HiveMQ); the embedded broker has none' : '';
}

/**
 * The first SUBACK: a broker that refuses every filter (or grants none) leaves nothing to record (E_BROKER);
 * some refused is worth a note but not a stop. Returns the `subscribe` event's detail.
 */
export function checkFirstSuback(granted: readonly Grant[]): string {
  const refused = granted.filter((g) => g.qos >= 0x80);
  if (refused.length === granted.length) {
    const topics = refused.map((g) => g.topic);
    throw new SensortraceError(`broker refused the subscription to ${topics.join(', ')} (SUBACK reason ${refused[0]?.qos})${sharedRefusalHint(topics)}`, 'E_BROKER');
  }
  return describeGrants(granted) + (refused.length ? ` (refused: ${refused.map((g) => g.topic).join(', ')})` : '');
}
