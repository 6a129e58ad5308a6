/**
 * The few `$SYS` counters that tell a loss at the broker from a loss at a client, picked from
 * everything the broker publishes and summed across broker restarts. Pure, fed row by row (a
 * run's broker.sys.csv is never held in memory).
 *
 * A counter (messages received, dropped, ...) starts again at 0 when its broker restarts; a
 * restart is seen when `$SYS/broker/uptime` goes down, or when a counter does. Its change over
 * the recording is then the first segment's growth (end − first seen) plus each later segment's
 * last value (counted from 0). A gauge (clients connected, heap) has a start, an end and a peak.
 * An event topic (aedes's `$SYS/<id>/new/clients`) counts its messages.
 */
import { parseSysValue, SYS_UPTIME } from './sys-value.js';

export type SysCounterKind = 'counter' | 'gauge' | 'events';

export interface SysCounterDef {
  key: string;
  /** What the report calls it. */
  label: string;
  kind: SysCounterKind;
  /** Matching topics, in order of preference: the first one seen is the counter's. */
  topics: readonly RegExp[];
}

const topic = (path: string): RegExp => new RegExp(`^\\$SYS/broker/${path.replace(/\//g, '\\/')}$`);

/** The counters the report shows (Mosquitto's names; aedes's client events). */
export const SYS_COUNTERS: readonly SysCounterDef[] = [
  { key: 'clients_connected', label: 'clients connected', kind: 'gauge', topics: [topic('clients/connected')] },
  { key: 'publish_received', label: 'PUBLISH received', kind: 'counter', topics: [topic('publish/messages/received')] },
  { key: 'publish_sent', label: 'PUBLISH sent', kind: 'counter', topics: [topic('publish/messages/sent')] },
  { key: 'publish_dropped', label: 'PUBLISH dropped', kind: 'counter', topics: [topic('publish/messages/dropped')] },
  { key: 'messages_received', label: 'packets received', kind: 'counter', topics: [topic('messages/received')] },
  { key: 'messages_sent', label: 'packets sent', kind: 'counter', topics: [topic('messages/sent')] },
  { key: 'messages_stored', label: 'messages stored', kind: 'gauge', topics: [topic('store/messages/count'), topic('messages/stored')] },
  { key: 'heap_current', label: 'heap (bytes)', kind: 'gauge', topics: [topic('heap/current')] },
  { key: 'client_connects', label: 'client connects', kind: 'events', topics: [/^\$SYS\/[^/]+\/new\/clients$/] },
  { key: 'client_disconnects', label: 'client disconnects', kind: 'events', topics: [/^\$SYS\/[^/]+\/disconnect\/clients$/] },
];

const UPTIME = SYS_UPTIME;
/** Uptime is in whole seconds: how far behind the clock it may fall (beyond one sys_interval) without a restart. */
const UPTIME_SLACK_MS = 1500;

export interface SysCounterSummary {
  key: string;
  label: string;
  kind: SysCounterKind;
  /** The topic it was read from. */
  topic: string;
  samples: number;
  /** First and last values seen (counters and gauges). */
  first?: number;
  last?: number;
  /** The largest value seen (gauges). */
  max?: number;
  /** Counters: growth summed across restarts; gauges: last − first; events: how many. */
  delta: number;
}

export interface SysSummary {
  /** Rows recorded (every $SYS message, counted or not). */
  rows: number;
  /** Broker restarts seen in the counters. */
  restarts: number;
  firstAt?: number;
  lastAt?: number;
  /** The picked counters that were seen, in SYS_COUNTERS order. */
  counters: SysCounterSummary[];
}

/** The uptime rows seen so far, and which of them showed a restart (uptime went down). */
interface UptimeClock {
  rows: number;
  restartRows: Set<number>;
}

/** One topic's values: first, last, peak, and the growth of the restarts' segments before the current one. */
class Track {
  samples = 0;
  first = 0;
  last = 0;
  max = -Infinity;
  /** Growth of the segments already closed by a restart. */
  closed = 0;
  /** Where the current segment started (the first value seen, then 0 after each restart). */
  from = 0;
  epoch = 0;
  /** Restarts seen only because the value went down (no uptime went down with it). */
  drops = 0;
  /** The uptime rows seen when the value last went down. */
  private droppedAt = -1;

  /**
   * A value, in the broker's `epoch` (its restarts seen through uptime). A value that went down
   * just before the uptime row that showed the restart is that restart, not a second one.
   */
  note(value: number, epoch: number, clock: UptimeClock): void {
    if (this.samples === 0) {
      this.first = this.from = value;
    } else if (epoch !== this.epoch) {
      // The value went down, then the next uptime row showed the restart: already counted.
      const seenAlready = this.droppedAt >= 0 && clock.restartRows.has(this.droppedAt + 1);
      if (seenAlready) this.drops--;
      if (!seenAlready || epoch - this.epoch > 1) this.restart();
      this.droppedAt = -1;
    } else if (value < this.last) {
      this.drops++;
      this.droppedAt = clock.rows;
      this.restart();
    }
    this.epoch = epoch;
    this.samples++;
    this.last = value;
    this.max = Math.max(this.max, value);
  }

  private restart(): void {
    this.closed += this.last - this.from;
    this.from = 0;
  }

  get growth(): number {
    return this.samples === 0 ? 0 : this.closed + this.last - this.from;
  }
}

/** Reads $SYS rows one at a time and keeps what the summary needs. */
export class SysTally {
  private rows = 0;
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  private uptime: { value: number; at: number } | undefined;
  /** Set by a reconnect until the next uptime row: was it a restart, or must that row tell. */
  private reconnected: 'restart' | 'check' | undefined;
  /** The largest step between two uptime rows (s): the broker's sys_interval, once seen. */
  private longestStepS: number | undefined;
  private readonly uptimeClock: UptimeClock = { rows: 0, restartRows: new Set() };
  /** Restarts seen through uptime. */
  private epoch = 0;
  private readonly tracks = new Map<string, Track>();
  /** topic → its counter, undefined when no counter wants it (cached). */
  private readonly owners = new Map<string, SysCounterDef | undefined>();

  note(at: number, topicName: string, text: string): void {
    this.rows++;
    this.firstAt ??= at;
    this.lastAt = at;
    const def = this.ownerOf(topicName);
    if (topicName === UPTIME) this.noteUptime(at, text);
    if (!def) return;
    let track = this.tracks.get(topicName);
    if (!track) this.tracks.set(topicName, (track = new Track()));
    if (def.kind === 'events') {
      track.samples++;
      return;
    }
    const value = parseSysValue(text);
    if (value !== undefined) track.note(value, this.epoch, this.uptimeClock);
  }

  /** Whether the broker publishes its uptime (then a fresh tick can be waited for). */
  get ticks(): boolean {
    return this.uptime !== undefined;
  }

  summary(): SysSummary {
    const counters: SysCounterSummary[] = [];
    let drops = 0;
    for (const def of SYS_COUNTERS) {
      const seen = this.seenTopic(def);
      if (!seen) continue;
      counters.push(def.kind === 'events' ? this.eventsOf(def, seen[0]) : summarise(def, seen[0], seen[1]));
      if (def.kind === 'counter') drops = Math.max(drops, seen[1].drops);
    }
    return {
      rows: this.rows,
      restarts: this.epoch + drops,
      ...(this.firstAt === undefined ? {} : { firstAt: this.firstAt }),
      ...(this.lastAt === undefined ? {} : { lastAt: this.lastAt }),
      counters,
    };
  }

  /**
   * The recorder's connection came back. With `restarted` (the caller knows: an experiment's
   * recorder loses its broker only when the broker stops) the values that follow are a new
   * broker's. Otherwise the first uptime after it decides: lower than before, or behind the time
   * that passed by more than a sys_interval and UPTIME_SLACK_MS, and the broker restarted meanwhile.
   */
  noteReconnect(restarted: boolean): void {
    if (restarted) this.restart();
    this.reconnected = restarted ? 'restart' : 'check';
  }

  private noteUptime(at: number, text: string): void {
    const value = parseSysValue(text);
    if (value === undefined) return;
    this.uptimeClock.rows++;
    const before = this.uptime;
    const check = this.reconnected;
    this.reconnected = undefined;
    this.uptime = { value, at };
    if (!before || check === 'restart') return;
    if (!check && value > before.value) this.longestStepS = Math.max(this.longestStepS ?? 0, value - before.value);
    // A retained uptime is as old as the last tick: up to one sys_interval (Mosquitto's default 10 s).
    const slackMs = UPTIME_SLACK_MS + 1000 * (this.longestStepS ?? 10);
    const behind = check === 'check' && value * 1000 + slackMs < before.value * 1000 + (at - before.at);
    if (value < before.value || behind) {
      this.restart();
      this.uptimeClock.restartRows.add(this.uptimeClock.rows);
    }
  }

  private restart(): void {
    this.epoch++;
  }

  private ownerOf(topicName: string): SysCounterDef | undefined {
    if (this.owners.has(topicName)) return this.owners.get(topicName);
    const def = SYS_COUNTERS.find((d) => d.topics.some((t) => t.test(topicName)));
    this.owners.set(topicName, def);
    return def;
  }

  /** An event counter over every matching topic (aedes's topics carry the broker's id, new at each start). */
  private eventsOf(def: SysCounterDef, topicName: string): SysCounterSummary {
    let samples = 0;
    for (const [name, track] of this.tracks) if (def.topics.some((t) => t.test(name))) samples += track.samples;
    return { key: def.key, label: def.label, kind: def.kind, topic: topicName, samples, delta: samples };
  }

  /** The counter's preferred topic among those seen. */
  private seenTopic(def: SysCounterDef): [string, Track] | undefined {
    for (const pattern of def.topics) {
      for (const [name, track] of this.tracks) if (track.samples > 0 && pattern.test(name)) return [name, track];
    }
    return undefined;
  }
}

function summarise(def: SysCounterDef, topicName: string, track: Track): SysCounterSummary {
  const base = { key: def.key, label: def.label, kind: def.kind, topic: topicName, samples: track.samples };
  const values = { first: track.first, last: track.last };
  if (def.kind === 'gauge') return { ...base, ...values, max: track.max, delta: track.last - track.first };
  return { ...base, ...values, delta: track.growth };
}

/** A $SYS recording: its file, the picked counters, and why it is incomplete if it is. */
export interface SysRecording extends SysSummary {
  output: string;
  /** The recorder could not connect or subscribe, or its file failed: the counters are partial or absent. */
  error?: string;
}

/** One counter of a summary by key. */
export function sysCounter(summary: SysSummary | undefined, key: string): SysCounterSummary | undefined {
  return summary?.counters.find((c) => c.key === key);
}
