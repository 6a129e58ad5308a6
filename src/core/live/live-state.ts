import type { ConnectionEvent } from '../records.js';
import { PointRing, RateCounter } from './ring.js';

/**
 * What a live view keeps, and no more: memory is bounded by these whatever the message rate or
 * how long the view stays open. ~5 KB a topic (points + rate buckets), so at most ~5 MB.
 */
export const LIVE_LIMITS = {
  /** Topics tracked one by one; arrivals on further topics count in `otherTopics`. */
  maxTopics: 1000,
  /** Points kept per topic: at one point per `pointIntervalMs`, a 60 s window. */
  pointsPerTopic: 300,
  /** One point per topic per slot this long (the slot's last value): the view samples. */
  pointIntervalMs: 200,
  /** Rates are arrivals per second over this many seconds. */
  rateWindowSeconds: 10,
  /** The arrivals-per-second chart covers this many seconds (the points' window). */
  arrivalSeconds: 60,
  /** Connection marks kept (offline, reconnect, session lost, errors). */
  maxMarks: 200,
  /** A payload is shown as at most this many characters of text. */
  payloadChars: 200,
} as const;

/** One arrival as the view sees it (a TraceRecord is one); `value` when the payload decoded as a reading. */
export interface LiveArrival {
  topic: string;
  receivedAt: number;
  value?: number;
  payload: Uint8Array;
}

/** `connected` until the SUBACK (or a resumed session) says messages will come: `subscribed`. */
export type ConnectionState = 'connecting' | 'connected' | 'subscribed' | 'offline';
export type MarkKind = 'offline' | 'reconnect' | 'session_lost' | 'error';

export interface LiveMark {
  at: number;
  kind: MarkKind;
  detail: string;
}

export interface LiveTopicView {
  topic: string;
  count: number;
  lastAt: number;
  /** The last payload's number (a decoded reading or a numeric payload), if it has one. */
  lastValue: number | undefined;
  /** The last payload as text (UTF-8, replacement characters for bad bytes, truncated). */
  lastText: string;
  rate: number;
}

export interface LiveSnapshot {
  now: number;
  total: number;
  rate: number;
  /** Arrivals on topics beyond LIVE_LIMITS.maxTopics (in `total` too). */
  otherTopics: number;
  connection: { state: ConnectionState; reconnects: number; sessionsLost: number };
  topics: LiveTopicView[];
  marks: LiveMark[];
  /** Marks ever made (the list keeps the last LIVE_LIMITS.maxMarks). */
  marksTotal: number;
}

interface TopicEntry {
  topic: string;
  count: number;
  last: LiveArrival;
  /** The newest arrival not yet turned into a point (decoded only when someone looks). */
  pending: LiveArrival | undefined;
  /** When the current point's slot began (its first arrival). */
  slotStart: number;
  points: PointRing;
  rate: RateCounter;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** A payload's number: the decoded reading's, else the payload itself when it is a short number. */
export function valueOf(arrival: LiveArrival): number | undefined {
  if (arrival.value !== undefined) return arrival.value;
  if (arrival.payload.length === 0 || arrival.payload.length > 32) return undefined;
  const text = decoder.decode(arrival.payload).trim();
  const n = text === '' ? NaN : Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export function payloadText(payload: Uint8Array, maxChars: number = LIVE_LIMITS.payloadChars): string {
  // Four bytes a character at most: decoding more than that is wasted.
  const text = decoder.decode(payload.subarray(0, maxChars * 4));
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/**
 * The live view's state: per-topic counts, last value, rate and a ring of sampled points, plus
 * the connection's story. `arrive` is O(1) and allocates nothing once a topic is known, so it can
 * sit on the recorder's path; decoding payloads waits for `snapshot`, which views call a few
 * times a second at most.
 */
export class LiveState {
  private readonly topics = new Map<string, TopicEntry>();
  private readonly totalRate = new RateCounter(LIVE_LIMITS.rateWindowSeconds);
  private readonly arrivals = new RateCounter(LIVE_LIMITS.arrivalSeconds);
  private readonly marks: LiveMark[] = [];
  private total = 0;
  private otherTopics = 0;
  private state: ConnectionState = 'connecting';
  private reconnects = 0;
  private sessionsLost = 0;
  private connectedOnce = false;
  private subscribedOnce = false;
  private marksTotal = 0;
  /** Bumped on every change, so views can skip a redraw when nothing happened. */
  version = 0;

  arrive(arrival: LiveArrival): void {
    this.total++;
    this.version++;
    this.totalRate.add(arrival.receivedAt);
    this.arrivals.add(arrival.receivedAt);
    let entry = this.topics.get(arrival.topic);
    if (!entry) {
      if (this.topics.size >= LIVE_LIMITS.maxTopics) {
        this.otherTopics++;
        return;
      }
      entry = { topic: arrival.topic, count: 0, last: arrival, pending: undefined, slotStart: Number.NEGATIVE_INFINITY, points: new PointRing(LIVE_LIMITS.pointsPerTopic), rate: new RateCounter(LIVE_LIMITS.rateWindowSeconds) };
      this.topics.set(arrival.topic, entry);
    }
    entry.count++;
    entry.last = arrival;
    entry.rate.add(arrival.receivedAt);
    // A new slot: the previous slot's last arrival becomes its point, this one waits.
    if (arrival.receivedAt - entry.slotStart >= LIVE_LIMITS.pointIntervalMs) {
      this.settle(entry);
      entry.slotStart = arrival.receivedAt;
      entry.points.push(arrival.receivedAt, NaN);
    }
    entry.pending = arrival;
  }

  /** Connection events from the client: state, reconnects and lost sessions, marks. */
  event(event: ConnectionEvent): void {
    this.version++;
    const detail = event.detail ?? '';
    switch (event.event) {
      case 'connect':
        if (this.connectedOnce) {
          this.reconnects++;
          this.mark(event.at, 'reconnect', `session present: ${event.sessionPresent ? 'yes' : 'no'}`);
        }
        this.connectedOnce = true;
        // A resumed session still holds the subscription; a new one waits for its SUBACK.
        this.state = event.sessionPresent && this.subscribedOnce ? 'subscribed' : 'connected';
        break;
      case 'subscribe':
        this.subscribedOnce = true;
        if (this.state === 'connected') this.state = 'subscribed';
        break;
      case 'offline':
        if (this.state !== 'offline') this.mark(event.at, 'offline', detail);
        this.state = 'offline';
        break;
      case 'session_lost':
        this.sessionsLost++;
        this.mark(event.at, 'session_lost', detail);
        break;
      case 'error':
        this.mark(event.at, 'error', detail);
        break;
      default:
        break;
    }
  }

  snapshot(now: number): LiveSnapshot {
    const topics: LiveTopicView[] = [];
    for (const entry of this.topics.values()) {
      this.settle(entry);
      topics.push({ topic: entry.topic, count: entry.count, lastAt: entry.last.receivedAt, lastValue: valueOf(entry.last), lastText: payloadText(entry.last.payload), rate: entry.rate.rate(now) });
    }
    return {
      now,
      total: this.total,
      rate: this.totalRate.rate(now),
      otherTopics: this.otherTopics,
      connection: { state: this.state, reconnects: this.reconnects, sessionsLost: this.sessionsLost },
      topics,
      marks: [...this.marks],
      marksTotal: this.marksTotal,
    };
  }

  /** A topic's sampled points at or after `since` (NaN values: payloads without a number). */
  points(topic: string, since?: number): Array<[number, number]> {
    const entry = this.topics.get(topic);
    if (!entry) return [];
    this.settle(entry);
    return entry.points.since(since);
  }

  /** Total arrivals in each second of the last LIVE_LIMITS.arrivalSeconds, ending at `now`. */
  ratePerSecond(now: number): Array<[number, number]> {
    return this.arrivals.perSecond(now);
  }

  private settle(entry: TopicEntry): void {
    const pending = entry.pending;
    if (!pending) return;
    entry.pending = undefined;
    entry.points.replaceLast(pending.receivedAt, valueOf(pending) ?? NaN);
  }

  private mark(at: number, kind: MarkKind, detail: string): void {
    this.marks.push({ at, kind, detail });
    this.marksTotal++;
    if (this.marks.length > LIVE_LIMITS.maxMarks) this.marks.shift();
  }
}
