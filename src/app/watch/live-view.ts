import type { Writable } from 'node:stream';
import type { FrameSize } from '../../core/live/live-lines.js';
import { LiveState } from '../../core/live/live-state.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { LiveTerminal } from '../../io/output/live-terminal.js';
import { LiveServer } from '../../io/web/live-server.js';
import { topicsView } from '../../io/web/live-page.js';
import { trace, type TraceOptions, type TraceSummary } from '../trace/trace.js';

export interface LiveViewOptions {
  /** The terminal view: on a terminal redrawn in place, otherwise plain lines. */
  terminal?: { stream: Writable; tty: boolean; size?: () => FrameSize };
  /** The live page: port (0: any free one) and host (default 127.0.0.1). */
  web?: { port: number; host?: string };
  /** The page's address, once it listens (before connecting to the broker). */
  onWebListening?(url: string): void;
  clock?: Clock;
}

export interface LiveTraceSummary extends TraceSummary {
  /** The arrivals the view counted (every recorded message, over all topics). */
  shown: number;
  /** The live page's address, with `web`. */
  url?: string;
}

/**
 * trace() with a live view: the view's state is fed from trace's own hooks (onMessage after the
 * row is handed to the writer, onEvent), one O(1) update a message; views read it on their own
 * timers, so the write path never waits for a redraw. Without an output file nothing is written
 * (that is `watch`).
 */
export async function traceLive(options: TraceOptions, view: LiveViewOptions): Promise<LiveTraceSummary> {
  const clock = view.clock ?? options.clock ?? systemClock;
  const state = new LiveState();
  const { onMessage, onEvent } = options;
  const fed: TraceOptions = {
    ...options,
    clock,
    onMessage: (record, message) => {
      state.arrive(record);
      return onMessage?.(record, message);
    },
    onEvent: (event) => {
      state.event(event);
      onEvent?.(event);
    },
  };
  const terminal = view.terminal ? new LiveTerminal(state, view.terminal.stream, { tty: view.terminal.tty, clock, ...(view.terminal.size ? { size: view.terminal.size } : {}) }) : undefined;
  const server = view.web ? new LiveServer(topicsView(state), { port: view.web.port, clock, ...(view.web.host ? { host: view.web.host } : {}) }) : undefined;
  const url = await server?.start();
  if (url) view.onWebListening?.(url);
  terminal?.start();
  try {
    const summary = await trace(fed);
    return { ...summary, shown: state.snapshot(clock.now()).total, ...(url ? { url } : {}) };
  } finally {
    terminal?.stop();
    await server?.close();
  }
}
