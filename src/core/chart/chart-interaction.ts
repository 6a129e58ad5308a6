// What the interactive chart (the HTML pages) adds to the static one: an x zoom/pan bound to
// the time scale, and tooltips on every drawn point. Every expression here is one Vega's
// CSP-safe interpreter (vega-interpreter) evaluates: no eval, so the page needs no 'unsafe-eval'.

type Encoding = Record<string, unknown>;

/** Times in tooltips, to the millisecond, in the chart's zone. */
function timeText(field: string, utc: boolean, absent: string): string {
  return `isValid(datum.${field}) ? ${utc ? 'utcFormat' : 'timeFormat'}(datum.${field}, '%Y-%m-%d %H:%M:%S.%L') : '${absent}'`;
}

/**
 * The transforms and tooltip list of one layer: seq, sensor, the value (or latency), and the
 * message's sent / published / received times and latency. A lost message says "not received".
 */
export function tooltipParts(kind: 'value' | 'latency', utc: boolean): { transform: Encoding[]; tooltip: Encoding[] } {
  const transform = [
    { calculate: timeText('sent_at', utc, '–'), as: 'sent' },
    { calculate: timeText('published_at', utc, 'never published'), as: 'published' },
    { calculate: timeText('received_at', utc, 'not received'), as: 'received' },
    { calculate: "isValid(datum.latency_ms) ? format(datum.latency_ms, ',.3~f') + ' ms' : '–'", as: kind === 'value' ? 'latency' : 'ms' },
  ];
  const tooltip: Encoding[] = [
    { field: 'series', type: 'nominal', title: 'series' },
    { field: 'seq', type: 'quantitative', title: 'seq' },
    { field: 'sensor', type: 'nominal', title: 'sensor' },
    kind === 'value' ? { field: 'value', type: 'quantitative', title: 'value' } : { field: 'ms', type: 'nominal', title: 'ms' },
    { field: 'sent', type: 'nominal', title: 'sent' },
    { field: 'published', type: 'nominal', title: 'published' },
    { field: 'received', type: 'nominal', title: 'received' },
  ];
  if (kind === 'value') tooltip.push({ field: 'latency', type: 'nominal', title: 'latency' });
  return { transform, tooltip };
}

/** Wheel zooms and drag pans the time axis of the named views (y stays); double click resets. */
export function zoomParam(name: string, views: string[]): Encoding {
  return { name, views, select: { type: 'interval', encodings: ['x'] }, bind: 'scales' };
}

/**
 * Invisible points over the sent line, so each of its (downsampled) points has a tooltip: a
 * line mark has one tooltip for the whole line.
 */
export function sentHoverLayer(x: Encoding, utc: boolean): Encoding {
  const { transform, tooltip } = tooltipParts('value', utc);
  return {
    data: { name: 'points' },
    transform: [{ filter: { field: 'series', equal: 'sent' } }, ...transform],
    mark: { type: 'point', filled: true, size: 60, opacity: 0 },
    encoding: { x, y: { field: 'value', type: 'quantitative' }, tooltip },
  };
}
