import type { Qos } from '../records.js';
import { NameTable } from './name-table.js';
import { grow } from './typed-columns.js';

/** What compare needs of one arrival (a trace row or a mosquitto_sub line). */
export interface Arrival {
  receivedAt: number;
  topic: string;
  qos?: Qos;
  dup?: boolean;
  seq?: number;
  sensor?: string;
  profileTime?: number;
  value?: number;
  /** Publisher's send time as carried in the payload (json sent_at / MQTT 5 property). */
  publishedAt?: number;
}

/** No QoS recorded, in ArrivalTable.qos. */
export const NO_QOS = 255;

/**
 * Arrivals stored by column, about 50 bytes each. Absent numbers are NaN, an absent sensor
 * is -1, an absent QoS is NO_QOS.
 */
export class ArrivalTable {
  length = 0;
  receivedAt = new Float64Array(1024);
  topicId = new Int32Array(1024);
  sensorId = new Int32Array(1024);
  qos = new Uint8Array(1024);
  dup = new Uint8Array(1024);
  seq = new Float64Array(1024);
  profileTime = new Float64Array(1024);
  value = new Float64Array(1024);
  publishedAt = new Float64Array(1024);
  constructor(readonly names: NameTable = new NameTable()) {}

  static from(arrivals: readonly Arrival[] | ArrivalTable): ArrivalTable {
    if (arrivals instanceof ArrivalTable) return arrivals;
    const table = new ArrivalTable();
    for (const a of arrivals) table.add(a);
    return table;
  }

  add(a: Arrival): void {
    this.push(a.receivedAt, a.topic, a.qos ?? NO_QOS, a.dup === true, a.seq ?? NaN, a.sensor, a.profileTime ?? NaN, a.value ?? NaN, a.publishedAt ?? NaN);
  }

  push(receivedAt: number, topic: string, qos: number, dup: boolean, seq: number, sensor: string | undefined, profileTime: number, value: number, publishedAt: number): void {
    const i = this.length;
    if (i === this.receivedAt.length) this.resize(i * 2);
    this.receivedAt[i] = receivedAt;
    this.topicId[i] = this.names.id(topic);
    this.sensorId[i] = sensor === undefined ? -1 : this.names.id(sensor);
    this.qos[i] = qos;
    this.dup[i] = dup ? 1 : 0;
    this.seq[i] = seq;
    this.profileTime[i] = profileTime;
    this.value[i] = value;
    this.publishedAt[i] = publishedAt;
    this.length++;
  }

  private resize(size: number): void {
    this.receivedAt = grow(this.receivedAt, size);
    this.topicId = grow(this.topicId, size);
    this.sensorId = grow(this.sensorId, size);
    this.qos = grow(this.qos, size);
    this.dup = grow(this.dup, size);
    this.seq = grow(this.seq, size);
    this.profileTime = grow(this.profileTime, size);
    this.value = grow(this.value, size);
    this.publishedAt = grow(this.publishedAt, size);
  }

  topic(i: number): string {
    return this.names.names[this.topicId[i]!]!;
  }

  sensor(i: number): string | undefined {
    const id = this.sensorId[i]!;
    return id < 0 ? undefined : this.names.names[id];
  }

  get(i: number): Arrival {
    const a: Arrival = { receivedAt: this.receivedAt[i]!, topic: this.topic(i) };
    if (this.qos[i] !== NO_QOS) a.qos = this.qos[i] as Qos;
    if (this.dup[i] === 1) a.dup = true;
    if (!Number.isNaN(this.seq[i]!)) a.seq = this.seq[i]!;
    const sensor = this.sensor(i);
    if (sensor !== undefined) a.sensor = sensor;
    if (!Number.isNaN(this.profileTime[i]!)) a.profileTime = this.profileTime[i]!;
    if (!Number.isNaN(this.value[i]!)) a.value = this.value[i]!;
    if (!Number.isNaN(this.publishedAt[i]!)) a.publishedAt = this.publishedAt[i]!;
    return a;
  }

  toArray(): Arrival[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }
}
