import { anyFilterMatches, type ParsedFilter } from '../mqtt/topic-filter.js';
import type { Qos, TraceRecord } from '../records.js';
import type { LineMessage } from './line-format.js';
import { toTraceRecord } from './trace-row.js';

/**
 * One PUBLISH as it arrives, in the shape the tracer needs (MQTT.js's IPublishPacket fits it):
 * what to keep, what to skip, and the row and stdout line it becomes.
 */
export interface ArrivedPublish {
  topic: string;
  payload: Buffer | string;
  qos: Qos;
  retain: boolean;
  dup: boolean;
  messageId?: number;
  properties?: LineMessage['properties'];
}

export interface ArrivalRules {
  /** Topics matching any of these are acknowledged but not recorded (mosquitto_sub -T). */
  exclude: readonly ParsedFilter[];
  /** Retained messages (stale values sent at subscribe time) are acknowledged but not recorded. */
  skipRetained: boolean;
}

export type ArrivalVerdict = 'record' | 'excluded' | 'retained';

/** Record it, or skip it on purpose (excluded topic, retained value): the -T check comes first. */
export function arrivalVerdict(message: Pick<ArrivedPublish, 'topic' | 'retain'>, rules: ArrivalRules): ArrivalVerdict {
  if (rules.exclude.length > 0 && anyFilterMatches(rules.exclude, message.topic)) return 'excluded';
  if (rules.skipRetained && message.retain) return 'retained';
  return 'record';
}

/** The message as stdout formats (-F, -v) see it. */
export function toLineMessage(packet: ArrivedPublish, receivedAt: number): LineMessage {
  const message: LineMessage = {
    topic: packet.topic,
    payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
    qos: packet.qos,
    retain: packet.retain,
    receivedAt,
  };
  if (packet.messageId !== undefined) message.messageId = packet.messageId;
  if (packet.properties) message.properties = packet.properties;
  return message;
}

/** The trace row of a message (payload already as bytes, see toLineMessage). */
export function toArrivalRecord(packet: ArrivedPublish, payload: Buffer, receivedAt: number): TraceRecord {
  const userProperties = packet.properties?.userProperties;
  return toTraceRecord({ topic: packet.topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, ...(userProperties ? { userProperties } : {}) }, receivedAt);
}
