import type { Clock } from '../../io/clock.js';
import type { ConnectionOptions } from '../../io/mqtt/connection.js';
import { SysRecorder } from '../sys/sys-recorder.js';

/** How long a run waits, after its drain, for the broker's next $SYS tick (Mosquitto's sys_interval 1 ticks every ~2 s). */
export const SYS_TICK_WAIT_MS = 3000;

/**
 * The run's $SYS recorder (broker.sys.csv), started once the broker is up and subscribed before
 * the replay, so the counters' first values are the run's start. It connects straight to the
 * broker (never through anything the run puts between the broker and its clients), reconnects
 * across restarts on its own and is stopped, at once, before the broker is disposed. A recorder
 * that cannot connect or subscribe does not fail the run: its error is on its recording.
 */
export async function startRunSys(connection: ConnectionOptions, output: string, clock: Clock, signal: AbortSignal): Promise<SysRecorder> {
  const recorder = new SysRecorder({ connection: { ...connection, reconnectPeriodMs: 250, connectTimeoutMs: 15_000 }, output, clock, reconnectMeansRestart: true });
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([recorder.start(), aborted]);
  return recorder;
}
