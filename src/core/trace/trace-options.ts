import { optionError } from '../errors.js';
import { parseTopicFilter, type ParsedFilter } from '../mqtt/topic-filter.js';

/** The trace options checked before anything is opened (the rest are the connection's). */
export interface TraceLimits {
  filters: readonly string[];
  exclude?: readonly string[];
  qos: number;
  count?: number;
  idleMs?: number;
  durationMs?: number;
  flushIntervalMs?: number;
}

export interface CheckedFilters {
  /** What to subscribe to. */
  filters: ParsedFilter[];
  /** What to receive but not record. */
  exclude: ParsedFilter[];
}

/** Throws an option error (E_USAGE, naming the option) for the first bad value; returns the parsed filters. */
export function checkTraceOptions(options: TraceLimits): CheckedFilters {
  if (options.filters.length === 0) throw optionError('filters', 'at least one topic filter is needed');
  const filters = options.filters.map((f) => parseTopicFilter(f, 'filters'));
  const exclude = (options.exclude ?? []).map((f) => {
    const parsed = parseTopicFilter(f, 'exclude');
    if (parsed.shareGroup !== undefined) throw optionError('exclude', `"${f}": exclusions match topics, a $share prefix makes no sense here`);
    return parsed;
  });
  if (options.qos !== 0 && options.qos !== 1 && options.qos !== 2) throw optionError('qos', `QoS must be 0, 1 or 2 (found "${String(options.qos)}")`);
  const limits = [
    ['count', options.count],
    ['idleMs', options.idleMs],
    ['durationMs', options.durationMs],
    ['flushIntervalMs', options.flushIntervalMs],
  ] as const;
  for (const [name, value] of limits) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw optionError(name, `expected a number ≥ 0 (found "${value}")`);
  }
  return { filters, exclude };
}
