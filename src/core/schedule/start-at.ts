/**
 * `--start-at`: one common start instant for several replay processes (or machines). The pacing
 * counts every planned send from it, as it counts from "now" without it.
 */
import { optionError } from '../errors.js';
import { parseIsoTime } from '../profile/iso-time.js';

/**
 * How far in the past a start instant may be when replay is called (a process launched a moment
 * late). Beyond it the run is refused before anything is read: starting so late would burst the
 * overdue readings out to catch up, which is not the lockstep asked for; the instant is more
 * likely a stale one. Once accepted, an instant passed while reading the profile or connecting
 * is kept: the overdue readings go at once and the pacing is back in step.
 */
export const START_AT_TOLERANCE_MS = 1000;

/**
 * Epoch seconds or milliseconds (`1764441600`, `1764441600000`, fractions allowed: 10 digits or
 * fewer are seconds), or an ISO 8601 instant with its zone (`2026-11-29T20:00:00Z`, `…+01:00`).
 */
export function parseStartAt(text: string, option = 'startAt'): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    const whole = trimmed.split('.')[0]!;
    return whole.length <= 10 ? n * 1000 : n;
  }
  // A zone is required: "20:00" on two machines in two zones is two instants.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    // The profiles' ISO reader: an impossible date (2024-02-30) is refused, not rolled into March.
    const at = parseIsoTime(trimmed);
    if (at !== undefined) return at;
  }
  throw optionError(option, `expected epoch seconds/milliseconds or an ISO 8601 instant with a zone, e.g. 2026-11-29T20:00:00Z (found "${text}")`);
}

/** Refuses an instant that has passed by more than START_AT_TOLERANCE_MS. */
export function checkStartAt(at: number, now: number, option = 'startAt'): void {
  if (!Number.isFinite(at)) throw optionError(option, 'expected an instant (epoch ms)');
  const lateMs = now - at;
  if (lateMs > START_AT_TOLERANCE_MS) throw optionError(option, `the start instant ${new Date(at).toISOString()} passed ${(lateMs / 1000).toFixed(1)} s ago (at most ${START_AT_TOLERANCE_MS / 1000} s late is accepted)`);
}
