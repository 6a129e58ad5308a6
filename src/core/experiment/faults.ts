/**
 * Network faults of an experiment: what disturbs which client's link, from when and for how long,
 * and what a link's conditions are at a given instant. The byte-level arithmetic (when a chunk may
 * leave the proxy) is in link-shaping.ts; the proxy itself in io/net/fault-proxy.ts. Pure.
 */
import { durationToMs, formatDuration } from '../duration.js';

export type FaultKind = 'cut' | 'blackhole' | 'delay' | 'throttle';
export type FaultClient = 'replayer' | 'recorder' | 'both';
/** The two clients of a run whose links a fault can disturb. */
export type FaultRole = 'replayer' | 'recorder';

export const FAULT_KINDS: readonly FaultKind[] = ['cut', 'blackhole', 'delay', 'throttle'];
export const FAULT_CLIENTS: readonly FaultClient[] = ['replayer', 'recorder', 'both'];

export interface NetworkFault {
  kind: FaultKind;
  client: FaultClient;
  /** Ms after the replay's start (like restarts). */
  atMs: number;
  forMs: number;
  /** delay: added to every chunk. */
  delayMs?: number;
  /** delay: each chunk's delay varies by up to ± this much (order is kept). */
  jitterMs?: number;
  /** throttle: bytes per second, each way. */
  bytesPerS?: number;
}

/** A link's conditions at one instant (see conditionsAt); `holdUntil`: a blackhole holds everything until then. */
export interface LinkConditions {
  cut: boolean;
  holdUntil?: number;
  delayMs: number;
  jitterMs: number;
  bytesPerS?: number;
}

export const CLEAR_LINK: LinkConditions = { cut: false, delayMs: 0, jitterMs: 0 };

const RATE_UNITS: Record<string, number> = { b: 1, kb: 1000, mb: 1e6, kib: 1024, mib: 1024 * 1024, bit: 1 / 8, kbit: 1000 / 8, mbit: 1e6 / 8 };
const RATE = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|MB|KiB|MiB|bit|kbit|Mbit)?\s*(?:\/\s*s)?\s*$/;

/** `2kB/s` → 2000, `512B/s` → 512, `1MiB/s`, `64kbit/s` → 8000, a bare number = bytes/s; undefined when not a rate (or not > 0). */
export function byteRate(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = RATE.exec(value);
  if (!match) return undefined;
  const rate = Number(match[1]) * RATE_UNITS[(match[2] ?? 'B').toLowerCase()]!;
  return rate > 0 ? rate : undefined;
}

export const RATE_EXAMPLE = 'a rate like 2kB/s, 512B/s, 1MB/s or 64kbit/s';

function rateText(bytesPerS: number): string {
  return bytesPerS >= 1e6 ? `${bytesPerS / 1e6} MB/s` : bytesPerS >= 1000 ? `${bytesPerS / 1000} kB/s` : `${bytesPerS} B/s`;
}

const seconds = (ms: number): string => `${ms / 1000}s`;

/** `delay 200 ms ± 50 ms`, `throttle 2 kB/s`, `blackhole`. */
export function faultWhat(fault: NetworkFault): string {
  if (fault.kind === 'delay') return `delay ${formatDuration(fault.delayMs ?? 0)}${fault.jitterMs ? ` ± ${formatDuration(fault.jitterMs)}` : ''}`;
  if (fault.kind === 'throttle') return `throttle ${rateText(fault.bytesPerS ?? 0)}`;
  return fault.kind;
}

/** `blackhole recorder at 2s for 10s`. */
export function describeFault(fault: NetworkFault): string {
  return `${faultWhat(fault)} ${fault.client} at ${seconds(fault.atMs)} for ${seconds(fault.forMs)}`;
}

export function describeFaults(faults: readonly NetworkFault[]): string {
  return faults.length === 0 ? 'no fault' : faults.map(describeFault).join('; ');
}

export function affects(fault: NetworkFault, role: FaultRole): boolean {
  return fault.client === 'both' || fault.client === role;
}

/** The roles that need a proxy in front of the broker (a client no fault touches connects directly). */
export function rolesWithFaults(faults: readonly NetworkFault[]): FaultRole[] {
  return (['replayer', 'recorder'] as const).filter((role) => faults.some((f) => affects(f, role)));
}

/**
 * A role's link under the given faults, all on, timed from `startAt`: any cut cuts; blackholes
 * hold until the last of them ends; delays and jitters add up; the slowest throttle wins.
 */
export function conditionsOf(faults: readonly NetworkFault[], role: FaultRole, startAt: number): LinkConditions {
  const out: LinkConditions = { cut: false, delayMs: 0, jitterMs: 0 };
  for (const f of faults) {
    if (!affects(f, role)) continue;
    if (f.kind === 'cut') out.cut = true;
    else if (f.kind === 'blackhole') out.holdUntil = Math.max(out.holdUntil ?? 0, startAt + f.atMs + f.forMs);
    else if (f.kind === 'delay') {
      out.delayMs += f.delayMs ?? 0;
      out.jitterMs += f.jitterMs ?? 0;
    } else if (f.bytesPerS !== undefined) out.bytesPerS = Math.min(out.bytesPerS ?? Infinity, f.bytesPerS);
  }
  return out;
}

/** A role's link at `now` (absolute ms): the faults whose window [start, end) holds it (see conditionsOf). */
export function conditionsAt(faults: readonly NetworkFault[], role: FaultRole, startAt: number, now: number): LinkConditions {
  return conditionsOf(
    faults.filter((f) => now >= startAt + f.atMs && now < startAt + f.atMs + f.forMs),
    role,
    startAt,
  );
}

/** The instants (absolute, sorted, distinct) at which some link's conditions change. */
export function faultTransitions(faults: readonly NetworkFault[], startAt: number): number[] {
  const at = new Set<number>();
  for (const f of faults) {
    at.add(startAt + f.atMs);
    at.add(startAt + f.atMs + f.forMs);
  }
  return [...at].sort((a, b) => a - b);
}

/** When the last fault is over, in ms after the replay's start (0 without faults). */
export function lastFaultEndMs(faults: readonly NetworkFault[]): number {
  return faults.reduce((end, f) => Math.max(end, f.atMs + f.forMs), 0);
}

/**
 * `--fault` text → the scenario's fault object (checked afterwards by the scenario's schema):
 * `KIND[=VALUE]:CLIENT@AT+FOR`, e.g. `blackhole:recorder@2s+10s`, `delay=200ms~50ms:both@1s+5s`
 * (jitter after `~`), `throttle=2kB/s:replayer@0s+30s`. A string names the bad part when it is not that shape.
 */
export function faultFromText(text: string): Record<string, string> | string {
  const match = /^\s*([a-z]+)(?:=([^:]*))?:([a-z]+)@([^+]*)\+(.*)$/.exec(text);
  if (!match) return `expected KIND[=VALUE]:CLIENT@AT+FOR, e.g. blackhole:recorder@2s+10s or delay=200ms~50ms:both@1s+5s`;
  const [, kind, value, client, at, length] = match as unknown as [string, string, string | undefined, string, string, string];
  if (!FAULT_KINDS.includes(kind as FaultKind)) return `unknown fault "${kind}" (known: ${FAULT_KINDS.join(', ')})`;
  if (!FAULT_CLIENTS.includes(client as FaultClient)) return `unknown client "${client}" (known: ${FAULT_CLIENTS.join(', ')})`;
  if (durationToMs(at) === undefined) return `"${at}" after @ is not a duration like 2s or 500ms`;
  if (durationToMs(length) === undefined) return `"${length}" after + is not a duration like 10s or 500ms`;
  const out: Record<string, string> = { kind, client, at: at.trim(), for: length.trim() };
  if (kind === 'delay') {
    if (value === undefined) return 'delay needs its value: delay=200ms (or delay=200ms~50ms with jitter)';
    const [delay, jitter] = value.split('~') as [string, string | undefined];
    if (durationToMs(delay) === undefined) return `"${delay}" after delay= is not a duration like 200ms`;
    if (jitter !== undefined && durationToMs(jitter) === undefined) return `"${jitter}" after ~ is not a duration like 50ms`;
    out.delay = delay.trim();
    if (jitter !== undefined) out.jitter = jitter.trim();
  } else if (kind === 'throttle') {
    if (value === undefined) return 'throttle needs its rate: throttle=2kB/s';
    if (byteRate(value) === undefined) return `"${value}" after throttle= is not ${RATE_EXAMPLE}`;
    out.rate = value.trim();
  } else if (value !== undefined) return `${kind} takes no value (found "=${value}")`;
  return out;
}

/** Slack after a restart's end during which the clients are still being let back (beyond the choreography's own times). */
export const COMEBACK_SLACK_MS = 2000;

/**
 * A cut or blackhole that overlaps a restart (from its stop until the clients are back: `downFor`
 * plus `comebackMs`, the choreography's times, plus COMEBACK_SLACK_MS) would fight the
 * choreography, which holds the clients offline and brings them back itself: refused. Delays and
 * throttles may overlap. The first clash found, as a sentence, or undefined.
 */
export function faultRestartClash(faults: readonly NetworkFault[], restarts: ReadonlyArray<{ atMs: number; downForMs: number }>, comebackMs: number): string | undefined {
  for (const f of faults) {
    if (f.kind !== 'cut' && f.kind !== 'blackhole') continue;
    for (const r of restarts) {
      const until = r.atMs + r.downForMs + comebackMs + COMEBACK_SLACK_MS;
      if (f.atMs < until && r.atMs < f.atMs + f.forMs) {
        return `${describeFault(f)} overlaps the restart at ${seconds(r.atMs)} (its clients are let back until about ${seconds(until)}): a cut or blackhole must not overlap a restart; move one of them`;
      }
    }
  }
  return undefined;
}
