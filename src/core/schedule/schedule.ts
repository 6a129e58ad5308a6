/**
 * When each reading goes out, as an offset from one start time. Offsets are absolute (never
 * "sleep the gap since the last send"), so timer lateness never accumulates into drift.
 */

export type Pacing = { mode: 'profile' } | { mode: 'speed'; factor: number } | { mode: 'rate'; hz: number } | { mode: 'max' };

export interface ScheduleInput {
  pacing: Pacing;
  /** Profile time of the first reading (ms). */
  firstTime: number;
  /** Profile time one pass covers (span plus one step), so pass k is shifted by k × this. */
  loopPeriodMs: number;
}

/** How far a second pass is moved in profile time: the span plus one average step. */
export function loopPeriodMs(durationMs: number, distinctTimes: number): number {
  if (distinctTimes <= 1 || durationMs <= 0) return 1000;
  return durationMs + durationMs / (distinctTimes - 1);
}

/**
 * Offset (ms after the start) at which a reading is due; undefined with --max (as fast as the
 * broker takes it). `index` is 0-based over the whole replay, `pass` 0-based.
 */
export function plannedOffset(schedule: ScheduleInput, time: number, index: number, pass: number): number | undefined {
  const { pacing } = schedule;
  const profileOffset = time - schedule.firstTime + pass * schedule.loopPeriodMs;
  switch (pacing.mode) {
    case 'profile':
      return profileOffset;
    case 'speed':
      return profileOffset / pacing.factor;
    case 'rate':
      return (index * 1000) / pacing.hz;
    case 'max':
      return undefined;
  }
}

/** The profile time a reading carries when sent: relative profiles anchored at the start, --shift-to-now applied, later passes moved on. */
export function sentProfileTime(options: { time: number; pass: number; loopPeriodMs: number; relative: boolean; startAt: number; shiftMs: number }): number {
  const base = options.relative ? options.startAt + options.time : options.time + options.shiftMs;
  return base + options.pass * options.loopPeriodMs;
}

/** Expected run time of a replay in ms (undefined when it depends on the broker). */
export function expectedDurationMs(schedule: ScheduleInput, lastTime: number, rows: number, passes: number): number | undefined {
  const lastIndex = rows * passes - 1;
  return plannedOffset(schedule, lastTime, lastIndex, passes - 1);
}

/** Where a `--resume` run starts, from what an earlier run's sent log (and its hand-over mark) say. */
export interface ResumePlan {
  /** First seq this run publishes. */
  startSeq: number;
  /**
   * Seqs handed to the client by the killed run but not in its log as final: they may or may not
   * have reached the broker. At QoS 2 (and 0) they are not sent again, so nothing is delivered
   * twice; they are logged with an empty published_at. Empty range: `from > to`.
   */
  unknown: { from: number; to: number };
}

/**
 * `lastLogged`: the highest seq in the log (every seq up to it is final: on the wire for QoS 0,
 * acknowledged for QoS 1/2). `handedOver`: the highest seq the killed run had handed to the
 * client (its mark file), if known. QoS 1 resends everything after the log (at least once);
 * QoS 0 and 2 skip what may already be out (at most once / exactly once).
 */
export function resumePlan(qos: 0 | 1 | 2, lastLogged: number, handedOver: number | undefined): ResumePlan {
  const next = lastLogged + 1;
  if (qos === 1 || handedOver === undefined || handedOver < next) return { startSeq: next, unknown: { from: next, to: next - 1 } };
  return { startSeq: handedOver + 1, unknown: { from: next, to: handedOver } };
}
