/**
 * ISO 8601 times of profiles, and the time zone that times written without one are read in.
 * Pure: Intl (part of the language) gives the offsets of named zones.
 *
 * Without a zone a time is read as UTC unless told otherwise (`timezone`: `UTC`, `local` or an
 * IANA name such as `Europe/Berlin`): UTC gives the same instants on every machine, as a profile
 * replayed in a lab and compared on a laptop must. A wall time that a daylight-saving change
 * skips (02:30 on the spring-forward night) is moved forward by the gap; one that happens twice
 * (the autumn night) is read in the offset that applies after the change.
 */
import { optionError } from '../errors.js';

/** What times without a zone are read in by default. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** The instants a Date can hold: ±8.64e15 ms, about 275 760 years either side of 1970. */
export const MAX_TIME_MS = 8.64e15;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * `UTC`, `local` or a canonical IANA name; an unknown name is an option error. `Z`, `utc` and
 * `Etc/UTC` are UTC.
 */
export function normalizeTimeZone(text: string): string {
  const t = text.trim();
  if (/^(z|utc|gmt|etc\/utc)$/i.test(t)) return 'UTC';
  if (t.toLowerCase() === 'local') return 'local';
  try {
    return formatterFor(t).resolvedOptions().timeZone;
  } catch {
    throw optionError('timezone', `unknown time zone "${text}" (expected UTC, local or an IANA name such as Europe/Berlin)`);
  }
}

/** How far (ms) the zone's wall clock is ahead of UTC at `at`. */
function offsetAt(zone: string, at: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = new Date(0);
  wall.setUTCFullYear(parts.year!, parts.month! - 1, parts.day!);
  wall.setUTCHours(parts.hour!, parts.minute!, parts.second!, 0);
  return wall.getTime() - Math.floor(at / 1000) * 1000;
}

/** The last zone offset worked out, per zone: a profile's rows are close in time, so one lookup serves many. */
const lastOffset = new Map<string, { bucket: number; offset: number }>();
const BUCKET_MS = 15 * 60_000;

/** The instant a wall-clock time (written as if UTC) stands for in a named zone. */
function wallToInstant(wall: number, zone: string): number {
  // Near the end of what a Date holds, Intl cannot format the neighbouring instants.
  if (Math.abs(wall) > MAX_TIME_MS - 2 * 86_400_000) return NaN;
  const bucket = Math.floor(wall / BUCKET_MS);
  const cached = lastOffset.get(zone);
  if (cached?.bucket === bucket) return wall - cached.offset;
  const first = offsetAt(zone, wall);
  const second = offsetAt(zone, wall - first);
  // Consistent: the usual case. Otherwise a skipped wall time: read with the offset before the change (moved forward).
  const offset = first === second || offsetAt(zone, wall - second) === second ? second : Math.min(first, second);
  lastOffset.set(zone, { bucket, offset });
  return wall - offset;
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** ISO 8601 to epoch ms; a time without a zone is read in `zone` (UTC, local or an IANA name). */
export function parseIsoTime(text: string, zone: string = DEFAULT_TIME_ZONE): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac, given] = m;
  const month = Number(mo);
  const day = Number(d);
  // 2024-02-30 is refused, not rolled over into March.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const ms = frac === undefined ? '' : `.${frac.slice(0, 3).padEnd(3, '0')}`;
  let tz = zone === 'local' ? '' : 'Z';
  if (given) tz = given.toUpperCase() === 'Z' ? 'Z' : given.length === 3 ? `${given}:00` : given.includes(':') ? given : `${given.slice(0, 3)}:${given.slice(3)}`;
  let at = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${tz}`);
  if (!Number.isFinite(at)) return undefined;
  if (!given && zone !== 'local' && zone !== 'UTC') at = wallToInstant(at, zone);
  if (!Number.isFinite(at) || Math.abs(at) > MAX_TIME_MS) return undefined;
  // Sub-millisecond digits survive Date's millisecond resolution.
  const extra = frac !== undefined && frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0;
  return at + extra;
}
