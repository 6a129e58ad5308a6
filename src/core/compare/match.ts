import { ArrivalTable, type Arrival } from './arrival-table.js';
import { SeqIndex } from './seq-index.js';
import { SentTable, type SentMessage } from './sent-table.js';
import { TimeIndex } from './time-index.js';

// The tables the matcher reads, re-exported: readers and the library API import them from here.
export { ArrivalTable, NO_QOS, type Arrival } from './arrival-table.js';
export { NameTable } from './name-table.js';
export { SentTable, type SentColumns, type SentMessage } from './sent-table.js';

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

function mainRule(c: MatchCounts): MatchRule | 'none' {
  const best = Math.max(c.by_seq, c.by_topic_time, c.by_sensor_time, c.by_time ?? 0);
  if (best === 0) return 'none';
  if (best === c.by_seq) return 'seq';
  if (best === c.by_topic_time) return 'topic+time';
  return best === c.by_sensor_time ? 'sensor+time' : 'time';
}
