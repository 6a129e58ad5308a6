import type { LiveMark, LiveSnapshot, LiveTopicView } from './live-state.js';
import { sparkline } from './sparkline.js';

/** How an age reads: 0.4s, 12s, 3m05s, 2h10m; '-' before anything arrived. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1000) return `${Math.round(perSecond)}`;
  return perSecond.toFixed(1);
}

/** Local wall-clock time, HH:MM:SS. */
export function clockTime(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Control characters (ESC above all) shown as �, so a topic or payload cannot drive the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

function lastShown(topic: LiveTopicView): string {
  return printable(topic.lastValue !== undefined ? String(topic.lastValue) : topic.lastText);
}

function connectionLine(snapshot: LiveSnapshot): string {
  const { state, reconnects, sessionsLost } = snapshot.connection;
  const parts = [state, `${reconnects} reconnect${reconnects === 1 ? '' : 's'}`];
  if (sessionsLost) parts.push(`${sessionsLost} session${sessionsLost === 1 ? '' : 's'} lost`);
  const topics = snapshot.topics.length;
  const totals = [`total ${snapshot.total}`, `${formatRate(snapshot.rate)}/s`, `${topics} topic${topics === 1 ? '' : 's'}`];
  if (snapshot.otherTopics) totals.push(`${snapshot.otherTopics} on other topics (over ${topics})`);
  return `${parts.join(' · ')}   ${totals.join(' · ')}`;
}

export function markText(mark: LiveMark): string {
  const what = { offline: 'connection lost', reconnect: 'reconnected', session_lost: 'SESSION LOST', error: 'error' }[mark.kind];
  return `${clockTime(mark.at)} ${what}${mark.detail ? ` (${printable(mark.detail)})` : ''}`;
}

export interface FrameSize {
  columns: number;
  rows: number;
}

/**
 * The terminal view as lines: a connection/totals line, a header, one line per topic (as many as
 * fit; the rest counted), and the latest marks. Every line is cut to the terminal's width so a
 * redraw knows exactly how many rows it covers. `sparks` gives each topic's recent values.
 */
export function frameLines(snapshot: LiveSnapshot, sparks: (topic: string) => number[], size: FrameSize): string[] {
  const width = Math.max(20, size.columns);
  const topicWidth = Math.min(40, Math.max(12, ...snapshot.topics.map((t) => t.topic.length)));
  const sparkWidth = 20;
  const lines = [connectionLine(snapshot), `${'TOPIC'.padEnd(topicWidth)}  ${'COUNT'.padStart(8)}  ${'RATE/s'.padStart(7)}  ${'AGE'.padStart(6)}  ${'RECENT'.padEnd(sparkWidth)}  LAST`];
  const marks = snapshot.marks.slice(-3);
  const room = Math.max(1, size.rows - lines.length - marks.length - 2);
  const shown = snapshot.topics.length > room ? snapshot.topics.slice(0, room - 1) : snapshot.topics;
  for (const t of shown) {
    const name = printable(t.topic.length > topicWidth ? `${t.topic.slice(0, topicWidth - 1)}…` : t.topic);
    const spark = sparkline(sparks(t.topic), sparkWidth);
    lines.push(`${name.padEnd(topicWidth)}  ${String(t.count).padStart(8)}  ${formatRate(t.rate).padStart(7)}  ${formatAge(snapshot.now - t.lastAt).padStart(6)}  ${spark.padEnd(sparkWidth)}  ${lastShown(t)}`);
  }
  if (shown.length < snapshot.topics.length) lines.push(`… ${snapshot.topics.length - shown.length} more topics`);
  if (snapshot.topics.length === 0) lines.push('(waiting for messages)');
  for (const mark of marks) lines.push(markText(mark));
  return lines.map((line) => cut(line, width - 1));
}

/** Cut to `width` code points (the sparkline's blocks are one column each). */
function cut(line: string, width: number): string {
  const chars = Array.from(line);
  return chars.length > width ? chars.slice(0, width).join('') : line;
}

/** Plain lines (stdout not a terminal): one per topic that changed since `previous` counts. */
export function plainLines(snapshot: LiveSnapshot, previous: ReadonlyMap<string, number>): string[] {
  const lines: string[] = [];
  for (const t of snapshot.topics) {
    if (previous.get(t.topic) === t.count) continue;
    lines.push(`${clockTime(snapshot.now)} ${printable(t.topic)} count=${t.count} rate=${formatRate(t.rate)}/s last=${lastShown(t)}`);
  }
  return lines;
}
