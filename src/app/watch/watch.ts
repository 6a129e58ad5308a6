import type { TraceOptions } from '../trace/trace.js';
import { traceLive, type LiveTraceSummary, type LiveViewOptions } from './live-view.js';

/** trace's options without the file ones: watch writes nothing. */
export type WatchOptions = Omit<TraceOptions, 'output' | 'jsonl' | 'append' | 'fsync' | 'flushIntervalMs'> & LiveViewOptions;

/** Subscribes and shows what arrives (terminal view, live page), writing no file. */
export async function watch(options: WatchOptions): Promise<LiveTraceSummary> {
  const { terminal, web, onWebListening, clock, ...rest } = options;
  const view: LiveViewOptions = { ...(terminal ? { terminal } : {}), ...(web ? { web } : {}), ...(onWebListening ? { onWebListening } : {}), ...(clock ? { clock } : {}) };
  return traceLive({ ...rest, ...(clock ? { clock } : {}) }, view);
}
