/**
 * "What happened" in a run, computed from its events and its numbers, never written by hand: who
 * went offline and came back when, with or without a session, who was back before whom, and how
 * the run's lost / late / duplicate counts break down. Every number comes from the same report
 * the summary table shows, so no sentence can contradict it. Pure.
 */
import type { ConnectionEvent, Qos } from '../records.js';
import type { SysRecording } from '../sys/sys-counters.js';
import type { FaultCost } from '../experiment/fault-cost.js';
import { FAULT_AFTERMATH_MS, faultSentences } from './fault-story.js';
import type { ReportRunInput } from './model.js';
import { brokerDropSentence } from './sys-view.js';

export interface NarrativeCounts {
  sent: number;
  lost: number;
  late: number;
  duplicates: number;
  /** The broker's outage windows (compare's attribution). */
  outages: ReadonlyArray<{ start: number; end: number | null; sent: number; lost: number; late: number }>;
}

export interface NarrativeInput {
  qos: Qos;
  /** Broker and client events of the run (sources `broker`, `replay`, `trace`), any order. */
  events: readonly ConnectionEvent[];
  counts?: NarrativeCounts;
  /** The replayer's QoS 0 messages dropped while it was offline. */
  droppedWhileOffline?: number;
  /** The broker's $SYS counters (its drop counter tells a loss at the broker from one at a client). */
  sys?: SysRecording;
  /** The run's network faults and what each cost (fault-story.ts). */
  faults?: readonly FaultCost[];
}

const NAMES: Record<string, string> = { replay: 'the replayer', trace: 'the recorder' };

/** `14:29:54.288` (UTC). */
export function clockTime(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A client back after an outage: its CONNACK, session present, and (the recorder after a lost session) its new SUBACK. */
interface ClientBack {
  source: string;
  offlineAt?: number;
  connectAt: number;
  sessionPresent: boolean;
  /** When it was ready: the replayer at its CONNACK, the recorder once subscribed again. */
  readyAt: number;
}

/** Each client's first return after `from` (the broker's stop). */
function clientsBack(events: readonly ConnectionEvent[], from: number, until: number): ClientBack[] {
  const out: ClientBack[] = [];
  for (const source of ['replay', 'trace']) {
    const mine = events.filter((e) => e.source === source && e.at >= from && e.at < until);
    const connect = mine.find((e) => e.event === 'connect');
    if (!connect) continue;
    const offlineAt = mine.find((e) => e.event === 'offline' && e.at <= connect.at)?.at;
    const sessionPresent = connect.sessionPresent === true;
    const resubscribed = source === 'trace' && !sessionPresent ? mine.find((e) => e.event === 'subscribe' && e.at >= connect.at)?.at : undefined;
    out.push({ source, ...(offlineAt === undefined ? {} : { offlineAt }), connectAt: connect.at, sessionPresent, readyAt: resubscribed ?? connect.at });
  }
  return out;
}

function restartSentences(stop: ConnectionEvent, start: ConnectionEvent | undefined, back: readonly ClientBack[]): string[] {
  const what = stop.detail ? ` (${stop.detail.split(';')[0]})` : '';
  const out = [
    start
      ? `The broker stopped at ${clockTime(stop.at)}${what} and was back for the clients at ${clockTime(start.at)}, ${((start.at - stop.at) / 1000).toFixed(1)} s later.`
      : `The broker stopped at ${clockTime(stop.at)}${what} and had not come back when the run ended.`,
  ];
  const held = start?.detail?.split('; ')[1];
  if (held) out.push(`It was ${held}.`);
  for (const b of back) {
    const session = b.sessionPresent ? 'with its session (session present 1)' : 'without its session (session present 0)';
    const ready = b.readyAt > b.connectAt ? `, subscribed again at ${clockTime(b.readyAt)}` : '';
    out.push(`${capital(NAMES[b.source]!)} was back at ${clockTime(b.connectAt)} ${session}${ready}.`);
  }
  const replayer = back.find((b) => b.source === 'replay');
  const recorder = back.find((b) => b.source === 'trace');
  if (replayer && recorder) {
    const gap = Math.round(Math.abs(recorder.readyAt - replayer.connectAt));
    const recorderReady = recorder.readyAt > recorder.connectAt ? 'subscribed again' : 'was back';
    out.push(
      replayer.connectAt <= recorder.readyAt
        ? `The replayer was back ${gap} ms before the recorder ${recorderReady}.`
        : `The recorder ${recorderReady} ${gap} ms before the replayer was back.`,
    );
  }
  return out;
}

const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The lost count, split by the outage windows, with its cause when the events show it. */
function lostSentence(input: NarrativeInput, counts: NarrativeCounts, lastBack: readonly ClientBack[]): string {
  if (counts.lost === 0) return `Nothing was lost: all ${counts.sent} messages arrived.`;
  const during = counts.outages.reduce((n, o) => n + o.lost, 0);
  const split = counts.outages.length > 0 ? ` (${during} sent during the outage${counts.outages.length === 1 ? '' : 's'}, ${counts.lost - during} outside)` : '';
  const causes: string[] = [];
  const dropped = input.droppedWhileOffline ?? 0;
  if (input.qos === 0 && dropped > 0) causes.push(`the replayer dropped ${plural(dropped, 'QoS 0 message')} while it was offline (QoS 0 is not queued)`);
  const replayer = lastBack.find((b) => b.source === 'replay');
  const recorder = lastBack.find((b) => b.source === 'trace');
  if (recorder && !recorder.sessionPresent) {
    const ahead = replayer && replayer.connectAt <= recorder.readyAt ? `; the replayer was back ${Math.round(recorder.readyAt - replayer.connectAt)} ms before the recorder subscribed again, and what reached the broker meanwhile had no subscriber` : '';
    causes.push(`the broker came back without the recorder's session (session present 0 at ${clockTime(recorder.connectAt)})${ahead}`);
  }
  const atBroker = brokerDropSentence(input.sys, counts.lost).cause;
  if (atBroker) causes.push(atBroker);
  return `Lost ${counts.lost}${split}${causes.length ? `: ${causes.join('; ')}` : ''}.`;
}

/** Clients' outages outside every restart and fault window: something else cut them off (the report must say so). */
function unplannedOutages(events: readonly ConnectionEvent[], faults: readonly FaultCost[] = []): string[] {
  const windows: Array<[number, number]> = faults.map((f) => [f.start, f.end + FAULT_AFTERMATH_MS]);
  for (const stop of events.filter((e) => e.event === 'broker_stop')) {
    const start = events.find((e) => e.event === 'broker_start' && e.at >= stop.at);
    windows.push([stop.at, start?.at ?? Infinity]);
  }
  const inRestart = (at: number): boolean => windows.some(([from, to]) => at >= from && at <= to);
  const out: string[] = [];
  for (const source of ['replay', 'trace']) {
    const mine = events.filter((e) => e.source === source);
    for (const offline of mine.filter((e) => e.event === 'offline' && !inRestart(e.at))) {
      const back = mine.find((e) => e.event === 'connect' && e.at > offline.at);
      const until = back ? ` and was back at ${clockTime(back.at)}` : ' and did not come back';
      out.push(`Not part of the experiment: ${NAMES[source]} lost the broker at ${clockTime(offline.at)}${until}.`);
    }
  }
  return out;
}

/** The run's story: restarts and returns, then lost, late and duplicate counts explained. */
export function runNarrative(input: NarrativeInput): string[] {
  const events = [...input.events].sort((a, b) => a.at - b.at);
  const out: string[] = [];
  const stops = events.filter((e) => e.source === 'broker' && e.event === 'broker_stop');
  let lastBack: ClientBack[] = [];
  stops.forEach((stop, i) => {
    const start = events.find((e) => e.source === 'broker' && e.event === 'broker_start' && e.at >= stop.at);
    lastBack = clientsBack(events, stop.at, stops[i + 1]?.at ?? Infinity);
    out.push(...restartSentences(stop, start, lastBack));
  });
  if (stops.length === 0) out.push('The broker ran without a restart.');
  out.push(...faultSentences(input.faults ?? [], events, input.qos));
  out.push(...unplannedOutages(events, input.faults));
  const counts = input.counts;
  if (!counts) return out;
  out.push(lostSentence(input, counts, lastBack));
  const brokerOnly = brokerDropSentence(input.sys, counts.lost).sentence;
  if (brokerOnly) out.push(brokerOnly);
  if (counts.late > 0) out.push(`Late ${counts.late}: sent during the outage and delivered after it.`);
  if (counts.duplicates > 0) out.push(`${capital(plural(counts.duplicates, 'duplicate'))}: received more than once.`);
  return out;
}

/** The story of one run of the report (none for a run that failed before it had events). */
export function narrativeOf(run: ReportRunInput): string[] {
  if (!run.events || (run.events.length === 0 && !run.report)) return [];
  const input: NarrativeInput = { qos: run.qos, events: run.events };
  if (run.report) input.counts = { sent: run.report.sent, lost: run.report.lost, late: run.report.late, duplicates: run.report.duplicates, outages: run.report.outages.filter((o) => o.kind === 'broker') };
  if (run.replay) input.droppedWhileOffline = run.replay.dropped;
  if (run.sys) input.sys = run.sys;
  if (run.faults) input.faults = run.faults;
  return runNarrative(input);
}
