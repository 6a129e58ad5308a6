import type { Clock } from '../../io/clock.js';

/**
 * Resolves at `at` (true), or as soon as the signal aborts (false). The timer goes through the
 * injected clock and is cancelled on abort, so a far-off restart never holds up an interrupted run.
 */
export function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const wake = (): void => {
      cancel();
      signal.removeEventListener('abort', wake);
      resolve(!signal.aborted);
    };
    // A timer never fires synchronously, so `cancel` is set before wake can run.
    const cancel = clock.setTimer(at, wake);
    signal.addEventListener('abort', wake, { once: true });
  });
}

export type LinkedController = AbortController & { unlink: () => void };

/** A child controller aborted with its parent; unlink() drops the parent's listener (one per run adds up). */
export function linkedController(parent: AbortSignal | undefined): LinkedController {
  const controller = new AbortController();
  const follow = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', follow, { once: true });
  return Object.assign(controller, { unlink: () => parent?.removeEventListener('abort', follow) });
}
