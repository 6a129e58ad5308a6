import { ExperimentLiveState } from '../../core/live/experiment-state.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { experimentView } from '../../io/web/experiment-page.js';
import { withWebView, type WebViewOptions } from './web-view.js';
import { reportInputs, runExperiment, type ExperimentOptions, type ExperimentResult } from '../experiment/experiment.js';

/** The experiment's options with the live state fed from its hooks (progress, marks, finished runs); the caller's hooks still called. */
export function feedExperimentState(state: ExperimentLiveState, options: ExperimentOptions, clock: Clock): ExperimentOptions {
  const { onProgress, onMark, onRunDone } = options;
  return {
    ...options,
    clock,
    onProgress: (p) => {
      state.progress(clock.now(), p);
      onProgress?.(p);
    },
    onMark: (mark) => {
      state.mark(mark);
      onMark?.(mark);
    },
    onRunDone: (run) => {
      state.runDone(reportInputs([run])[0]!);
      onRunDone?.(run);
    },
  };
}

/** runExperiment() with a live page (`experiment --web`). */
export async function experimentLive(options: ExperimentOptions, web: WebViewOptions): Promise<ExperimentResult & { url: string }> {
  const clock = options.clock ?? systemClock;
  const state = new ExperimentLiveState();
  return withWebView(experimentView(state), web, clock, async (url) => ({ ...(await runExperiment(feedExperimentState(state, options, clock))), url }));
}
