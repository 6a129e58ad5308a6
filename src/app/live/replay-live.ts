import { ReplayLiveState } from '../../core/live/replay-state.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { replayView } from '../../io/web/replay-page.js';
import { replay, type ReplayOptions, type ReplaySummary } from '../replay/replay.js';
import { withWebView, type WebViewOptions } from './web-view.js';

/**
 * The replay's options with the live state fed from its hooks, the caller's own hooks still
 * called: progress reports (replay samples them: at most 10 a second from the sends, 4 a second
 * while idle), each paced send's error (O(1)), connection events and the start.
 */
export function feedReplayState(state: ReplayLiveState, options: ReplayOptions, clock: Clock): ReplayOptions {
  const { onProgress, onEvent, onStart, onPacing } = options;
  return {
    ...options,
    clock,
    onProgress: (progress) => {
      state.progress(clock.now(), progress);
      onProgress?.(progress);
    },
    onEvent: (event) => {
      state.event(event);
      onEvent?.(event);
    },
    onStart: (info) => {
      state.started(info);
      onStart?.(info);
    },
    onPacing: (errorMs, plannedAt) => {
      state.paced(errorMs, plannedAt);
      onPacing?.(errorMs, plannedAt);
    },
  };
}

/** The final counts, from the summary, into the state (the page's last frame). */
export function finishReplayState(state: ReplayLiveState, summary: ReplaySummary, at: number): void {
  const { sent, published, acknowledged, queued, dropped, reconnects } = summary;
  state.finish(at, { sent, published, acknowledged, queued, dropped, reconnects, connected: false });
}

/** replay() with a live page (`replay --web`): the page samples, the publish path never waits for it. */
export async function replayLive(options: ReplayOptions, web: WebViewOptions): Promise<ReplaySummary & { url: string }> {
  const clock = options.clock ?? systemClock;
  const state = new ReplayLiveState(options.qos);
  return withWebView(replayView(state), web, clock, async (url) => {
    const summary = await replay(feedReplayState(state, options, clock));
    finishReplayState(state, summary, clock.now());
    return { ...summary, url };
  });
}
