import { encodeReading, type PayloadFormat } from '../../core/mqtt/payload.js';
import type { TopicTemplate } from '../../core/mqtt/topic-template.js';
import type { ProfileRow, Qos, SentRecord } from '../../core/records.js';
import { sentProfileTime } from '../../core/schedule/schedule.js';

/** Template fields that differ from row to row; without them a topic depends on sensor and topic only. */
const PER_ROW_FIELDS = ['seq', 'value', 'time', 'pass'] as const;
/** Bounded: a profile with very many sensors just renders again. */
const MAX_CACHED_TOPICS = 10_000;

export interface SentRecordSettings {
  /** Undefined: the profile's topic column. */
  template: TopicTemplate | undefined;
  qos: Qos;
  retain: boolean;
  payloadFormat: PayloadFormat;
  loopPeriodMs: number;
  /** Relative profiles are anchored at the replay's start. */
  relative: boolean;
}

/** When a reading is sent: the run's start, the --shift-to-now shift, its plan and the moment it goes. */
export interface SendTimes {
  startAt: number;
  shiftMs: number;
  plannedAt: number;
  sentAt: number;
}

/** Turns profile rows into the records replay publishes and logs (topic, payload, times). */
export class SentRecords {
  private readonly topics = new Map<string, string>();
  private readonly perRowTopic: boolean;

  constructor(private readonly settings: SentRecordSettings) {
    const template = settings.template;
    this.perRowTopic = template !== undefined && PER_ROW_FIELDS.some((f) => template.fields.has(f));
  }

  make(row: ProfileRow, pass: number, seq: number, times: SendTimes): SentRecord {
    const { qos, retain, payloadFormat, loopPeriodMs, relative } = this.settings;
    const profileTime = sentProfileTime({ time: row.time, pass, loopPeriodMs, relative, startAt: times.startAt, shiftMs: times.shiftMs });
    return {
      seq,
      sensor: row.sensor,
      topic: this.topicFor(row, seq, profileTime, pass),
      qos,
      retain,
      profileTime,
      value: row.value,
      plannedAt: times.plannedAt,
      payload: encodeReading(payloadFormat, { seq, sensor: row.sensor, time: profileTime, value: row.value }, times.sentAt),
    };
  }

  /** Templates that use only {sensor}/{topic} are rendered once per sensor and topic. */
  private topicFor(row: ProfileRow, seq: number, profileTime: number, pass: number): string {
    const template = this.settings.template;
    if (!template) return row.topic!;
    if (this.perRowTopic) return template.render({ sensor: row.sensor, seq, value: row.value, time: Math.round(profileTime), pass: pass + 1, topic: row.topic ?? '' });
    const key = row.topic === undefined ? row.sensor : `${row.sensor}\u0000${row.topic}`;
    let topic = this.topics.get(key);
    if (topic === undefined) {
      topic = template.render({ sensor: row.sensor, topic: row.topic ?? '' });
      if (this.topics.size < MAX_CACHED_TOPICS) this.topics.set(key, topic);
    }
    return topic;
  }
}
