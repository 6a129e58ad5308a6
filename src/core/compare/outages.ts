import type { ConnectionEvent } from '../records.js';

/** A time span during which messages could not flow: the broker was down, or a client was cut off. */
export interface OutageWindow {
  /** Epoch ms. */
  start: number;
  /** Epoch ms; null when the outage had not ended by the last event. */
  end: number | null;
  /** 'broker', or the client sources (replay, trace, ...) whose offline→connect spans were merged into it. */
  sources: string[];
  kind: 'broker' | 'client';
}

/**
 * Outage windows from connection events, following the design contract: `broker_stop →
 * broker_start` when any broker events exist; otherwise each client's `offline → connect`
 * (a `close`/`error`/`reconnect` does not open or close a window by itself). Client windows
 * from different sources that overlap are merged, so a message sent while both the publisher
 * and the subscriber were cut off is counted once.
 */
export function outageWindows(events: readonly ConnectionEvent[]): OutageWindow[] {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const brokerEvents = sorted.filter((e) => e.event === 'broker_stop' || e.event === 'broker_start');
  if (brokerEvents.length > 0) {
    const windows: OutageWindow[] = [];
    let open: number | undefined;
    for (const e of brokerEvents) {
      if (e.event === 'broker_stop') open ??= e.at;
      else if (open !== undefined) {
        windows.push({ start: open, end: e.at, sources: ['broker'], kind: 'broker' });
        open = undefined;
      }
    }
    if (open !== undefined) windows.push({ start: open, end: null, sources: ['broker'], kind: 'broker' });
    return windows;
  }
  const perSource: OutageWindow[] = [];
  const openBySource = new Map<string, number>();
  for (const e of sorted) {
    if (e.event === 'offline') {
      if (!openBySource.has(e.source)) openBySource.set(e.source, e.at);
    } else if (e.event === 'connect') {
      const start = openBySource.get(e.source);
      if (start !== undefined) {
        perSource.push({ start, end: e.at, sources: [e.source], kind: 'client' });
        openBySource.delete(e.source);
      }
    }
  }
  for (const [source, start] of openBySource) perSource.push({ start, end: null, sources: [source], kind: 'client' });
  return mergeWindows(perSource);
}

function mergeWindows(windows: OutageWindow[]): OutageWindow[] {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const merged: OutageWindow[] = [];
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && (last.end === null || w.start <= last.end)) {
      last.end = last.end === null || w.end === null ? null : Math.max(last.end, w.end);
      for (const s of w.sources) if (!last.sources.includes(s)) last.sources.push(s);
    } else merged.push({ ...w, sources: [...w.sources] });
  }
  return merged;
}

/** Index of the window containing `at` (start inclusive, end exclusive), or -1. Windows must be sorted and disjoint. */
export function windowIndexAt(windows: readonly OutageWindow[], at: number): number {
  let lo = 0;
  let hi = windows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const w = windows[mid]!;
    if (at < w.start) hi = mid - 1;
    else if (w.end !== null && at >= w.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}
