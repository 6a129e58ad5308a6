import type { ConnectionEvent, Qos } from '../records.js';
import { PacingSplit, type PacingPercentiles } from '../schedule/pacing-stats.js';
import type { LiveMark } from './live-state.js';
import { MarkList } from './mark-list.js';
import { CoarseSeries } from './series.js';

/**
 * What the replay's live page keeps, and no more: a whole run's chart in at most `points`
 * points (the slot doubles as the run grows), the last `maxMarks` marks and `maxOutages` outages.
 */
export const REPLAY_LIVE_LIMITS = { points: 600, firstSlotMs: 200, maxMarks: 200, maxOutages: 200 } as const;

/** The replay's counts at a moment (its progress report has these fields). */
export interface ReplayCounts {
  sent: number;
  published: number;
  acknowledged: number;
  queued: number;
  dropped: number;
  connected: boolean;
  reconnects: number;
  /** Readings the whole replay will send; undefined when looping until stopped. */
  total?: number;
}

export interface ReplayOutage {
  start: number;
  /** null while it lasts. */
  end: number | null;
}

export type ReplayPhase = 'connecting' | 'replaying' | 'done';

/** GET /api/state of `replay --web`. */
export interface ReplayApiState {
  phase: ReplayPhase;
  qos: Qos;
  /** Messages handed to the client so far (like watch's `total`: every message counted). */
  total: number;
  /** Readings the whole replay will send; null when looping until stopped (or not known yet). */
  planned: number | null;
  sent: number;
  /** On the wire (QoS 0) or acknowledged (QoS 1/2). */
  published: number;
  acked: number;
  /** Handed over and not final yet: waiting for the acknowledgement, or for the broker to come back. */
  queued: number;
  dropped: number;
  /** The in-flight window's limit. */
  max_inflight: number | null;
  connected: boolean;
  reconnects: number;
  outages: Array<ReplayOutage & { duration_ms: number }>;
  outages_total: number;
  /** |send − planned send| of the sends made while connected (as the summary's pacing error). */
  pacing: PacingPercentiles & { count: number };
  /** Sends that came due while the broker was away: their delay (apart from pacing). */
  outage_delay: PacingPercentiles & { count: number };
  started_at: number | null;
  elapsed_ms: number;
}

/** One event-stream frame: the state, the run's chart and the marks. */
export interface ReplayFrame extends ReplayApiState {
  now: number;
  /** [time, sent, published, queued, pacing max ms in the slot (null: no paced send)]. */
  series: Array<[number, number, number, number, number | null]>;
  marks: LiveMark[];
}

const ZERO: ReplayCounts = { sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, connected: false, reconnects: 0 };

/**
 * The replay's live state, fed from its hooks: progress reports (sampled by the replay itself,
 * a few a second), each paced send's error (O(1): a histogram bucket and a running max), and
 * connection events. Pure: the caller says what time it is.
 */
export class ReplayLiveState {
  /** Bumped on every change, so the page's stream can skip a frame when nothing happened. */
  version = 0;
  private phase: ReplayPhase = 'connecting';
  private counts: ReplayCounts = ZERO;
  private maxInflight: number | null = null;
  private startedAt: number | null = null;
  private lastAt: number | null = null;
  private connectedOnce = false;
  /** From the connection events (progress reports come a little later). */
  private linkUp = false;
  private readonly pacing = new PacingSplit();
  /** The largest error since the last sample (NaN: none). */
  private slotPacing = NaN;
  private readonly series = new CoarseSeries(['last', 'last', 'max', 'max'], REPLAY_LIVE_LIMITS.points, REPLAY_LIVE_LIMITS.firstSlotMs);
  private readonly marks = new MarkList<LiveMark>(REPLAY_LIVE_LIMITS.maxMarks);
  private readonly outages = new MarkList<ReplayOutage>(REPLAY_LIVE_LIMITS.maxOutages);

  constructor(readonly qos: Qos) {}

  /** The replay's start time, once connected, and its window. */
  started(info: { startAt: number; maxInflight: number }): void {
    this.version++;
    this.phase = 'replaying';
    this.startedAt = info.startAt;
    this.maxInflight = info.maxInflight;
  }

  /** A progress report (counts at `at`): one chart point, at most one per slot. */
  progress(at: number, counts: ReplayCounts): void {
    this.version++;
    this.counts = { ...counts };
    this.lastAt = at;
    this.series.push(at, [counts.sent, counts.published, counts.queued, this.slotPacing]);
    this.slotPacing = NaN;
  }

  /** A paced send `errorMs` off its planned time `plannedAt`. */
  paced(errorMs: number, plannedAt: number): void {
    const error = Math.abs(errorMs);
    const before = this.pacing.connected.count;
    this.pacing.add(error, plannedAt);
    // Only sends made while connected are the pacing error (as in the summary); the rest waited out an outage.
    if (this.pacing.connected.count > before && !(error <= this.slotPacing)) this.slotPacing = error;
  }

  event(event: ConnectionEvent): void {
    this.version++;
    if (event.event === 'connect') {
      if (this.connectedOnce) {
        this.marks.add({ at: event.at, kind: 'reconnect', detail: `session present: ${event.sessionPresent ? 'yes' : 'no'}` });
        const open = this.outages.last();
        if (open && open.end === null) open.end = event.at;
      }
      this.connectedOnce = true;
      this.linkUp = true;
      this.pacing.cameBack(event.at);
    } else if (event.event === 'offline' || event.event === 'close') {
      // MQTT.js says close, then offline: one outage, one mark.
      const wasUp = this.linkUp;
      this.linkUp = false;
      this.pacing.wentDown();
      if (!wasUp) return;
      this.marks.add({ at: event.at, kind: 'offline', detail: event.detail ?? '' });
      this.outages.add({ start: event.at, end: null });
    } else if (event.event === 'session_lost' || event.event === 'error') {
      this.marks.add({ at: event.at, kind: event.event, detail: event.detail ?? '' });
    }
  }

  /** The replay returned: its last counts. */
  finish(at: number, counts: Omit<ReplayCounts, 'total'>): void {
    this.progress(at, { ...this.counts, ...counts });
    this.linkUp = false;
    this.phase = 'done';
  }

  apiState(now: number): ReplayApiState {
    const c = this.counts;
    const { connected, outage } = this.pacing;
    return {
      phase: this.phase,
      qos: this.qos,
      total: c.sent,
      planned: c.total ?? null,
      sent: c.sent,
      published: c.published,
      acked: c.acknowledged,
      queued: c.queued,
      dropped: c.dropped,
      max_inflight: this.maxInflight,
      connected: this.linkUp,
      reconnects: c.reconnects,
      outages: this.outages.items().map((o) => ({ ...o, duration_ms: (o.end ?? now) - o.start })),
      outages_total: this.outages.total,
      pacing: { ...connected.percentiles(), count: connected.count },
      outage_delay: { ...outage.percentiles(), count: outage.count },
      started_at: this.startedAt,
      elapsed_ms: this.startedAt === null ? 0 : Math.max(0, (this.phase === 'done' ? (this.lastAt ?? now) : now) - this.startedAt),
    };
  }

  frame(now: number): ReplayFrame {
    const series = this.series.points().map(([at, sent, published, queued, pacing]) => [at!, sent!, published!, queued!, Number.isNaN(pacing) ? null : pacing!] as [number, number, number, number, number | null]);
    return { ...this.apiState(now), now, series, marks: this.marks.items() };
  }
}
