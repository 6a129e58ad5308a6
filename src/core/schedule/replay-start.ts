import { plannedOffset, type ScheduleInput } from './schedule.js';

export interface ReplayStartInput {
  /** The clock when the first row to send is in hand. */
  now: number;
  schedule: ScheduleInput;
  /** The first row to send: its profile time, 0-based index over the whole replay, and pass. */
  first?: { time: number; index: number; pass: number };
  /** A resumed run keeps the earlier run's rhythm: it starts where that row's offset falls now. */
  resuming: boolean;
  /** --shift-to-now on an absolute profile: move it so its first reading is at the start. */
  shiftToNow: boolean;
  relative: boolean;
  profileFirstTime: number;
  /** --start-at: the instant every partition counts from (instead of now). */
  startAt?: number;
}

/** The instant offsets count from, and how far profile times move (--shift-to-now). */
export function replayStart(input: ReplayStartInput): { startAt: number; shiftMs: number } {
  // One millisecond ahead: the first send is planned, not already late.
  let startAt = input.startAt ?? input.now + 1;
  if (input.resuming && input.first) startAt -= plannedOffset(input.schedule, input.first.time, input.first.index, input.first.pass) ?? 0;
  const shiftMs = input.shiftToNow && !input.relative ? startAt - input.profileFirstTime : 0;
  return { startAt, shiftMs };
}
