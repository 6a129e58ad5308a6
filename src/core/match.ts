import type { Qos } from './records.js';

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
 * Profile times travel as epoch seconds with 3 decimals in plain payloads and as ms with 3
 * decimals in the sent log: whole milliseconds are what both sides agree on.
 */
function timeKey(prefix: string, time: number): string {
  return `${prefix}\u0000${Math.round(time)}`;
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
  private keyMaps: { byTopicTime: Map<string, number[]>; bySensorTime: Map<string, number[]>; byTime: Map<string, number[]> } | undefined;
  private readonly delivered: Uint8Array;
  readonly counts: MatchCounts = { rule: 'none', by_seq: 0, by_topic_time: 0, by_sensor_time: 0 };

  constructor(
    private readonly sent: readonly SentMessage[],
    private readonly options: MatcherOptions = {},
  ) {
    if (options.byTimeAlone) this.counts.by_time = 0;
    this.delivered = new Uint8Array(sent.length);
    this.bySeq = new SeqIndex(sent);
  }

  /** Built on the first arrival without a seq: string keys for a million messages cost seconds. */
  private get maps(): { byTopicTime: Map<string, number[]>; bySensorTime: Map<string, number[]>; byTime: Map<string, number[]> } {
    if (!this.keyMaps) {
      const byTopicTime = new Map<string, number[]>();
      const bySensorTime = new Map<string, number[]>();
      const byTime = new Map<string, number[]>();
      this.sent.forEach((s, i) => {
        push(byTopicTime, timeKey(s.topic, s.profileTime), i);
        push(bySensorTime, timeKey(s.sensor, s.profileTime), i);
        if (this.options.byTimeAlone) push(byTime, timeKey('', s.profileTime), i);
      });
      this.keyMaps = { byTopicTime, bySensorTime, byTime };
    }
    return this.keyMaps;
  }

  /** Index into `sent`, or -1 for an arrival that matches nothing sent. */
  match(arrival: Arrival): number {
    let index = -1;
    if (arrival.seq !== undefined) {
      index = this.bySeq.get(arrival.seq);
      if (index >= 0) this.counts.by_seq++;
    } else if (arrival.profileTime !== undefined) {
      index = this.takeFrom(this.maps.byTopicTime.get(timeKey(arrival.topic, arrival.profileTime)));
      if (index >= 0) this.counts.by_topic_time++;
      else if (arrival.sensor !== undefined) {
        index = this.takeFrom(this.maps.bySensorTime.get(timeKey(arrival.sensor, arrival.profileTime)));
        if (index >= 0) this.counts.by_sensor_time++;
      }
      if (index < 0 && this.options.byTimeAlone) {
        index = this.takeFrom(this.maps.byTime.get(timeKey('', arrival.profileTime)));
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

  private takeFrom(candidates: number[] | undefined): number {
    if (!candidates) return -1;
    for (const i of candidates) if (this.delivered[i] === 0) return i;
    // All delivered already: this arrival is a duplicate of the first of them.
    return candidates[0]!;
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

  constructor(sent: readonly SentMessage[]) {
    let min = Infinity;
    let max = -Infinity;
    let whole = true;
    for (const s of sent) {
      if (!Number.isInteger(s.seq)) whole = false;
      if (s.seq < min) min = s.seq;
      if (s.seq > max) max = s.seq;
    }
    if (whole && sent.length > 0 && max - min < 4 * sent.length + 1024) {
      this.base = min;
      const table = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < sent.length; i++) {
        const k = sent[i]!.seq - min;
        if (table[k] === -1) table[k] = i;
      }
      this.table = table;
    } else {
      sent.forEach((s, i) => {
        if (!this.map.has(s.seq)) this.map.set(s.seq, i);
      });
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

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function mainRule(c: MatchCounts): MatchRule | 'none' {
  const best = Math.max(c.by_seq, c.by_topic_time, c.by_sensor_time, c.by_time ?? 0);
  if (best === 0) return 'none';
  if (best === c.by_seq) return 'seq';
  if (best === c.by_topic_time) return 'topic+time';
  return best === c.by_sensor_time ? 'sensor+time' : 'time';
}
