import type { Qos } from '../records.js';

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

/** Topic and sensor names, each stored once and referred to by a small number. */
export class NameTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();
  /** The name's id, -1 when it was never stored. */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(array: T, size: number): T {
  const grown = new (array.constructor as new (n: number) => T)(size);
  grown.set(array);
  return grown;
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

  /** planned_at, else published_at, else profile_time: see sendTime() in compare-report.ts. */
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

export type MatchRule = 'seq' | 'topic+time' | 'sensor+time' | 'time';

export interface MatchCounts {
  /** The rule that matched the most arrivals; what the report names as "the rule used". */
  rule: MatchRule | 'none';
  by_seq: number;
  by_topic_time: number;
  by_sensor_time: number;
  /** Only when time-alone matching is on (a derived stream on other topics: compare --expect). */
  by_time?: number;
}

export interface MatcherOptions {
  /**
   * After (topic, time) and (sensor, time) fail, match by profile time alone. For derived
   * streams (process publishes sin(X) of cep/x on cep/sin, keeping the timestamp), where
   * neither the topic nor — in plain payloads — the sensor survives.
   */
  byTimeAlone?: boolean;
}

/**
 * Sent messages by (name, profile time): per name id, entries ordered by time then index, in
 * typed arrays (12 bytes an entry, no per-key objects or strings). Profile times travel as epoch
 * seconds with 3 decimals in plain payloads and as ms with 3 decimals in the sent log: whole
 * milliseconds are what both sides agree on, so times are keyed rounded.
 */
class TimeIndex {
  private readonly start: Int32Array;
  private readonly times: Float64Array;
  private readonly indices: Int32Array;

  constructor(sent: SentTable, idOf: (i: number) => number) {
    const ids = sent.names.names.length;
    const n = sent.length;
    this.start = new Int32Array(ids + 1);
    for (let i = 0; i < n; i++) this.start[idOf(i) + 1]!++;
    for (let id = 0; id < ids; id++) this.start[id + 1]! += this.start[id]!;
    const next = this.start.slice(0, ids);
    this.times = new Float64Array(n);
    this.indices = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = next[idOf(i)]!++;
      this.times[k] = Math.round(sent.profileTime[i]!);
      this.indices[k] = i;
    }
    // A sent log is in time order already; anything else is sorted per name (ties by index).
    for (let id = 0; id < ids; id++) this.sortGroup(this.start[id]!, this.start[id + 1]!);
  }

  private sortGroup(from: number, to: number): void {
    let sorted = true;
    for (let k = from + 1; k < to && sorted; k++) if (this.times[k]! < this.times[k - 1]!) sorted = false;
    if (sorted) return;
    const times = this.times.slice(from, to);
    const indices = this.indices.slice(from, to);
    const order = Array.from({ length: to - from }, (_, k) => k).sort((a, b) => times[a]! - times[b]! || indices[a]! - indices[b]!);
    order.forEach((k, j) => {
      this.times[from + j] = times[k]!;
      this.indices[from + j] = indices[k]!;
    });
  }

  /**
   * The first of the name's messages at that time not yet delivered; when all are, the first of
   * them (the arrival is its duplicate). -1 when none has that name and time.
   */
  take(id: number, time: number, delivered: Uint8Array): number {
    if (id < 0 || id + 1 >= this.start.length) return -1;
    const key = Math.round(time);
    let lo = this.start[id]!;
    let hi = this.start[id + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    const end = this.start[id + 1]!;
    if (lo >= end || this.times[lo] !== key) return -1;
    for (let k = lo; k < end && this.times[k] === key; k++) if (delivered[this.indices[k]!] === 0) return this.indices[k]!;
    return this.indices[lo]!;
  }
}

/**
 * Finds, for each arrival, the sent message it is a copy of. Arrivals must be fed in the
 * order they were received: when several sent messages share a (topic, time) key, an arrival
 * takes the first one not yet delivered, so repeated readings are told apart by order.
 *
 * Rules, per arrival: its sequence number when it carries one (the replayer's json payload
 * or MQTT 5 properties); otherwise (topic, profile time), then (sensor, profile time). An
 * arrival with a sequence number that was never sent is unexpected — it is not re-matched
 * by time, because seq is the stronger identity.
 */
export class Matcher {
  private readonly bySeq: SeqIndex;
  private readonly sent: SentTable;
  private keyIndexes: { byTopicTime: TimeIndex; bySensorTime: TimeIndex; byTime: TimeIndex | undefined } | undefined;
  private readonly delivered: Uint8Array;
  readonly counts: MatchCounts = { rule: 'none', by_seq: 0, by_topic_time: 0, by_sensor_time: 0 };

  constructor(
    sent: readonly SentMessage[] | SentTable,
    private readonly options: MatcherOptions = {},
  ) {
    this.sent = SentTable.from(sent);
    if (options.byTimeAlone) this.counts.by_time = 0;
    this.delivered = new Uint8Array(this.sent.length);
    this.bySeq = new SeqIndex(this.sent);
  }

  /** Built on the first arrival without a seq: most traces carry seqs and never need them. */
  private get indexes(): { byTopicTime: TimeIndex; bySensorTime: TimeIndex; byTime: TimeIndex | undefined } {
    if (!this.keyIndexes) {
      const sent = this.sent;
      this.keyIndexes = {
        byTopicTime: new TimeIndex(sent, (i) => sent.topicId[i]!),
        bySensorTime: new TimeIndex(sent, (i) => sent.sensorId[i]!),
        byTime: this.options.byTimeAlone ? new TimeIndex(sent, () => 0) : undefined,
      };
    }
    return this.keyIndexes;
  }

  /** Index into `sent`, or -1 for an arrival that matches nothing sent. */
  match(arrival: Arrival): number {
    return this.matchFields(arrival.seq ?? NaN, arrival.topic, arrival.sensor, arrival.profileTime ?? NaN);
  }

  /** match() for arrival `i` of a table, without making an object of it. */
  matchAt(arrivals: ArrivalTable, i: number): number {
    const seq = arrivals.seq[i]!;
    if (!Number.isNaN(seq)) return this.matchFields(seq, '', undefined, NaN);
    return this.matchFields(NaN, arrivals.topic(i), arrivals.sensor(i), arrivals.profileTime[i]!);
  }

  /** NaN for an absent seq or profile time. */
  private matchFields(seq: number, topic: string, sensor: string | undefined, profileTime: number): number {
    let index = -1;
    if (!Number.isNaN(seq)) {
      index = this.bySeq.get(seq);
      if (index >= 0) this.counts.by_seq++;
    } else if (!Number.isNaN(profileTime)) {
      const names = this.sent.names;
      const indexes = this.indexes;
      index = indexes.byTopicTime.take(names.find(topic), profileTime, this.delivered);
      if (index >= 0) this.counts.by_topic_time++;
      else if (sensor !== undefined) {
        index = indexes.bySensorTime.take(names.find(sensor), profileTime, this.delivered);
        if (index >= 0) this.counts.by_sensor_time++;
      }
      if (index < 0 && indexes.byTime) {
        index = indexes.byTime.take(0, profileTime, this.delivered);
        if (index >= 0) this.counts.by_time = (this.counts.by_time ?? 0) + 1;
      }
    }
    if (index >= 0) this.delivered[index] = 1;
    return index;
  }

  /** The rule that matched the most arrivals so far. */
  get rule(): MatchRule | 'none' {
    return mainRule(this.counts);
  }
}

/**
 * seq → first sent index with it. Replay numbers 1, 2, 3 ...: a dense table (4 bytes a
 * message) instead of a Map (tens of bytes an entry, and hashing); sparse or odd numbers
 * fall back to the Map.
 */
class SeqIndex {
  private readonly table: Int32Array | undefined;
  private readonly base: number = 0;
  private readonly map = new Map<number, number>();

  constructor(sent: SentTable) {
    let min = Infinity;
    let max = -Infinity;
    let whole = true;
    for (let i = 0; i < sent.length; i++) {
      const seq = sent.seq[i]!;
      if (!Number.isInteger(seq)) whole = false;
      if (seq < min) min = seq;
      if (seq > max) max = seq;
    }
    if (whole && sent.length > 0 && max - min < 4 * sent.length + 1024) {
      this.base = min;
      const table = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < sent.length; i++) {
        const k = sent.seq[i]! - min;
        if (table[k] === -1) table[k] = i;
      }
      this.table = table;
    } else {
      for (let i = 0; i < sent.length; i++) if (!this.map.has(sent.seq[i]!)) this.map.set(sent.seq[i]!, i);
    }
  }

  /** -1 when no message has it. */
  get(seq: number): number {
    if (this.table) {
      const k = seq - this.base;
      return Number.isInteger(k) && k >= 0 && k < this.table.length ? this.table[k]! : -1;
    }
    return this.map.get(seq) ?? -1;
  }
}

function mainRule(c: MatchCounts): MatchRule | 'none' {
  const best = Math.max(c.by_seq, c.by_topic_time, c.by_sensor_time, c.by_time ?? 0);
  if (best === 0) return 'none';
  if (best === c.by_seq) return 'seq';
  if (best === c.by_topic_time) return 'topic+time';
  return best === c.by_sensor_time ? 'sensor+time' : 'time';
}
