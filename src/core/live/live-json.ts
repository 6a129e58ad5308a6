import { LIVE_LIMITS, type LiveMark, type LiveSnapshot, type LiveState } from './live-state.js';

/** GET /api/state: per topic `topic`, `count`, `last_value`, `last_at`; and `total`. */
export interface ApiState {
  total: number;
  /** Arrivals on topics beyond the topic limit (counted in `total`, listed nowhere). */
  other_topics: number;
  connection: LiveSnapshot['connection'];
  topics: Array<{
    topic: string;
    count: number;
    /** The payload's number when it has one, else the payload as text (at most LIVE_LIMITS.payloadChars). */
    last_value: number | string;
    /** Epoch ms with a fraction, like the trace's received_at. */
    last_at: number;
  }>;
}

export function apiState(snapshot: LiveSnapshot): ApiState {
  return {
    total: snapshot.total,
    other_topics: snapshot.otherTopics,
    connection: snapshot.connection,
    topics: snapshot.topics.map((t) => ({ topic: t.topic, count: t.count, last_value: t.lastValue ?? t.lastText, last_at: t.lastAt })),
  };
}

/** One Server-Sent Events frame: the state, plus what the page draws. */
export interface LiveFrame extends ApiState {
  now: number;
  rate: number;
  window_ms: number;
  rates: Array<{ topic: string; rate: number }>;
  /** Per charted topic, [time, value] points over the window (null: a payload without a number). */
  series: Array<{ topic: string; points: Array<[number, number | null]> }>;
  /** Arrivals per second over the rate window, oldest first. */
  arrivals: Array<[number, number]>;
  marks: LiveMark[];
}

/** At most this many topics get a chart (the most recently active with a number); the table lists every topic. */
export const CHARTED_TOPICS = 6;

export function liveFrame(state: LiveState, now: number): LiveFrame {
  const snapshot = state.snapshot(now);
  const windowMs = LIVE_LIMITS.pointIntervalMs * LIVE_LIMITS.pointsPerTopic;
  const charted = snapshot.topics.filter((t) => t.lastValue !== undefined).sort((a, b) => b.lastAt - a.lastAt).slice(0, CHARTED_TOPICS).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  return {
    ...apiState(snapshot),
    now,
    rate: snapshot.rate,
    window_ms: windowMs,
    rates: snapshot.topics.map((t) => ({ topic: t.topic, rate: t.rate })),
    series: charted.map((t) => ({ topic: t.topic, points: state.points(t.topic, now - windowMs).map(([at, v]) => [at, Number.isFinite(v) ? v : null]) })),
    arrivals: state.ratePerSecond(now),
    marks: snapshot.marks.filter((m) => m.at >= now - windowMs),
  };
}
