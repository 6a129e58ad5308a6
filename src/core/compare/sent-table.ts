import type { Qos } from '../records.js';
import { NameTable } from './name-table.js';
import { grow } from './typed-columns.js';

/** What compare needs of one sent message (a sent-log row or a profile row). */
export interface SentMessage {
  seq: number;
  sensor: string;
  topic: string;
  qos: Qos;
  /** Epoch ms of the reading. */
  profileTime: number;
  value: number;
  /** When the replayer meant to send it (epoch ms); absent for a bare profile. */
  plannedAt?: number;
  /** When it left on the wire; absent if it never did (or unknown). */
  publishedAt?: number;
}

/**
 * Sent messages stored by column: 8 + 4 + 4 + 1 + 4 × 8 = 49 bytes a message, where one
 * SentMessage object costs about 160. Absent planned/published times are NaN.
 */
export class SentTable {
  length = 0;
  seq = new Float64Array(1024);
  sensorId = new Int32Array(1024);
  topicId = new Int32Array(1024);
  qos = new Uint8Array(1024);
  profileTime = new Float64Array(1024);
  value = new Float64Array(1024);
  plannedAt = new Float64Array(1024);
  publishedAt = new Float64Array(1024);
  constructor(readonly names: NameTable = new NameTable()) {}

  static from(messages: readonly SentMessage[] | SentTable): SentTable {
    if (messages instanceof SentTable) return messages;
    const table = new SentTable();
    for (const m of messages) table.push(m.seq, m.sensor, m.topic, m.qos, m.profileTime, m.value, m.plannedAt ?? NaN, m.publishedAt ?? NaN);
    return table;
  }

  push(seq: number, sensor: string, topic: string, qos: Qos, profileTime: number, value: number, plannedAt: number, publishedAt: number): void {
    const i = this.length;
    if (i === this.seq.length) this.resize(i * 2);
    this.seq[i] = seq;
    this.sensorId[i] = this.names.id(sensor);
    this.topicId[i] = this.names.id(topic);
    this.qos[i] = qos;
    this.profileTime[i] = profileTime;
    this.value[i] = value;
    this.plannedAt[i] = plannedAt;
    this.publishedAt[i] = publishedAt;
    this.length++;
  }

  private resize(size: number): void {
    this.seq = grow(this.seq, size);
    this.sensorId = grow(this.sensorId, size);
    this.topicId = grow(this.topicId, size);
    this.qos = grow(this.qos, size);
    this.profileTime = grow(this.profileTime, size);
    this.value = grow(this.value, size);
    this.plannedAt = grow(this.plannedAt, size);
    this.publishedAt = grow(this.publishedAt, size);
  }

  sensor(i: number): string {
    return this.names.names[this.sensorId[i]!]!;
  }

  topic(i: number): string {
    return this.names.names[this.topicId[i]!]!;
  }

  /** planned_at, else published_at, else profile_time: see sendTime() in report.ts. */
  sendTime(i: number): number {
    const planned = this.plannedAt[i]!;
    if (!Number.isNaN(planned)) return planned;
    const published = this.publishedAt[i]!;
    return Number.isNaN(published) ? this.profileTime[i]! : published;
  }

  /** One message as an object (for callbacks and the array API). */
  get(i: number): SentMessage {
    const m: SentMessage = { seq: this.seq[i]!, sensor: this.sensor(i), topic: this.topic(i), qos: this.qos[i] as Qos, profileTime: this.profileTime[i]!, value: this.value[i]! };
    if (!Number.isNaN(this.plannedAt[i]!)) m.plannedAt = this.plannedAt[i]!;
    if (!Number.isNaN(this.publishedAt[i]!)) m.publishedAt = this.publishedAt[i]!;
    return m;
  }

  toArray(): SentMessage[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  /** The columns and names as plain data (to hand a table to another thread without copying). */
  toColumns(): SentColumns {
    const { length, seq, sensorId, topicId, qos, profileTime, value, plannedAt, publishedAt } = this;
    return { length, names: [...this.names.names], seq, sensorId, topicId, qos, profileTime, value, plannedAt, publishedAt };
  }

  static fromColumns(columns: SentColumns): SentTable {
    const names = new NameTable();
    for (const name of columns.names) names.id(name);
    const table = new SentTable(names);
    table.length = columns.length;
    table.seq = columns.seq;
    table.sensorId = columns.sensorId;
    table.topicId = columns.topicId;
    table.qos = columns.qos;
    table.profileTime = columns.profileTime;
    table.value = columns.value;
    table.plannedAt = columns.plannedAt;
    table.publishedAt = columns.publishedAt;
    return table;
  }
}

export interface SentColumns {
  length: number;
  names: string[];
  seq: Float64Array<ArrayBuffer>;
  sensorId: Int32Array<ArrayBuffer>;
  topicId: Int32Array<ArrayBuffer>;
  qos: Uint8Array<ArrayBuffer>;
  profileTime: Float64Array<ArrayBuffer>;
  value: Float64Array<ArrayBuffer>;
  plannedAt: Float64Array<ArrayBuffer>;
  publishedAt: Float64Array<ArrayBuffer>;
}
