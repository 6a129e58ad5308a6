/**
 * The network faults' part of a run's "what happened": each fault's window, when each client it
 * touched noticed (its `offline` event: a cut at once, a blackhole only when keepalive ran out)
 * and came back (its `connect`, with or without its session), and what it cost. Every time and
 * number comes from the run's events and fault costs. Pure.
 */
import type { FaultCost } from '../experiment/fault-cost.js';
import type { ConnectionEvent, Qos } from '../records.js';

/** A client's connection loss that shows only after a fault ends (a close held by a blackhole) still belongs to it. */
export const FAULT_AFTERMATH_MS = 2000;

const SOURCES = { replayer: 'replay', recorder: 'trace' } as const;

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The broker's restarts as [stop, start] (a client offline then lost the broker, not the fault). */
function restartWindows(events: readonly ConnectionEvent[]): Array<[number, number]> {
  return events
    .filter((e) => e.event === 'broker_stop')
    .map((stop) => [stop.at, events.find((e) => e.event === 'broker_start' && e.at >= stop.at)?.at ?? Infinity]);
}

/** A client's `offline` that the fault caused (not a restart's) and its next `connect`. */
function noticeOf(cost: FaultCost, role: 'replayer' | 'recorder', events: readonly ConnectionEvent[]): { offline?: ConnectionEvent; back?: ConnectionEvent } {
  const mine = events.filter((e) => e.source === SOURCES[role]);
  const restarts = restartWindows(events);
  const byFault = (at: number): boolean => at >= cost.start && at <= cost.end + FAULT_AFTERMATH_MS && !restarts.some(([from, to]) => at >= from && at <= to);
  const offline = mine.find((e) => e.event === 'offline' && byFault(e.at));
  if (!offline) return {};
  const back = mine.find((e) => e.event === 'connect' && e.at > offline.at);
  return back ? { offline, back } : { offline };
}

/** When a client touched by the fault noticed it and came back. */
function clientSentence(cost: FaultCost, role: 'replayer' | 'recorder', events: readonly ConnectionEvent[]): string {
  const { offline, back } = noticeOf(cost, role, events);
  if (!offline) return `The ${role} did not notice it: no connection lost to the fault.`;
  const how =
    offline.at > cost.end
      ? `only after it ended, at ${clock(offline.at)},`
      : `at ${clock(offline.at)}, ${secs(offline.at - cost.start)} in${cost.kind === 'blackhole' ? ', when its keepalive ran out' : ''},`;
  const session = back ? (back.sessionPresent ? ' with its session (session present 1)' : ' without its session (session present 0)') : '';
  const returned = back ? `was back at ${clock(back.at)}${session}` : 'was not back when the run ended';
  return `The ${role} noticed ${how} and ${returned}.`;
}

/** Why QoS 0 lost what a fault held: nothing keeps or resends it. */
const QOS0_CAUSE: Partial<Record<FaultCost['kind'], string>> = {
  blackhole: 'QoS 0 is neither acknowledged nor resent: what went into the blackhole was gone with the connection',
  cut: 'QoS 0 is neither acknowledged nor resent: what was under way or sent while the link was down was gone',
};

function costSentence(cost: FaultCost, qos: Qos | undefined): string {
  if (cost.sent === 0) return 'Nothing was sent during it.';
  const latency = cost.latency_p50_ms === null ? '' : `; latency p50 ${Math.round(cost.latency_p50_ms)} ms, max ${Math.round(cost.latency_max_ms ?? 0)} ms`;
  const cause = qos === 0 && cost.lost > 0 && QOS0_CAUSE[cost.kind] ? ` (${QOS0_CAUSE[cost.kind]!})` : '';
  return `Sent during it: ${cost.sent}, lost ${cost.lost}${cause}, late ${cost.late}, on time ${cost.on_time}${latency}.`;
}

/** One paragraph's worth of sentences per fault, in the order they started. */
export function faultSentences(costs: readonly FaultCost[], events: readonly ConnectionEvent[], qos?: Qos): string[] {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const out: string[] = [];
  for (const cost of [...costs].sort((a, b) => a.start - b.start)) {
    const restarted = sorted.some((e) => e.event === 'broker_stop' && e.at < cost.end && e.at >= cost.start);
    out.push(`Network fault ${cost.fault}: on at ${clock(cost.start)}, off at ${clock(cost.end)} (${secs(cost.end - cost.start)}); ${restarted ? 'the broker was restarted meanwhile' : 'the broker kept running'}.`);
    for (const role of ['replayer', 'recorder'] as const) if (cost.client === role || cost.client === 'both') out.push(clientSentence(cost, role, sorted));
    out.push(costSentence(cost, qos));
  }
  return out;
}

/** `blackhole recorder at 2s for 10s: 40 sent, 0 lost, 38 late` for the run's list. */
export function describeFaultCosts(costs: readonly FaultCost[]): string {
  return costs.map((c) => `${c.fault}: ${c.sent} sent, ${c.lost} lost, ${c.late} late${c.latency_p50_ms === null ? '' : `, p50 ${Math.round(c.latency_p50_ms)} ms`}`).join('; ');
}

export const FAULT_COLUMNS = ['fault', 'on', 'off', 'replayer', 'recorder', 'sent', 'lost', 'late', 'p50 ms'] as const;

/** A client's column: `-` (not touched), `kept its link`, or `offline +2.9 s, back +5.0 s (session 1)`, times from the fault's start. */
function noticeCell(cost: FaultCost, role: 'replayer' | 'recorder', events: readonly ConnectionEvent[]): string {
  if (cost.client !== role && cost.client !== 'both') return '-';
  const { offline, back } = noticeOf(cost, role, events);
  if (!offline) return 'kept its link';
  const backText = back ? `, back +${secs(back.at - cost.start)} (session ${back.sessionPresent ? 1 : 0})` : ', not back';
  return `offline +${secs(offline.at - cost.start)}${backText}`;
}

/** The run's fault table: one row per fault, in the order they started (cells as text). */
export function faultRows(costs: readonly FaultCost[], events: readonly ConnectionEvent[]): string[][] {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  return [...costs]
    .sort((a, b) => a.start - b.start)
    .map((c) => [c.fault, clock(c.start), clock(c.end), noticeCell(c, 'replayer', sorted), noticeCell(c, 'recorder', sorted), String(c.sent), String(c.lost), String(c.late), c.latency_p50_ms === null ? '-' : String(Math.round(c.latency_p50_ms))]);
}
