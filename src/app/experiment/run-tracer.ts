import { ArrivalTally } from '../../core/experiment/arrival-tally.js';
import type { Clock } from '../../io/clock.js';
import { trace, type TraceOptions, type TraceSummary } from '../trace/trace.js';
import { linkedController, type LinkedController } from './interruptible.js';

/** What the run decides about its tracer; the lifecycle (signal, readiness, counting) is RunTracer's. */
export type RunTracerOptions = Omit<TraceOptions, 'signal' | 'clock' | 'onReady' | 'onMessage'>;

/**
 * The run's tracer and its lifecycle: started first and awaited until subscribed (so nothing the
 * replayer sends goes unseen), counting arrivals for the drain, and stopped, its file and client
 * closed, before the broker is disposed and compare reads the trace. It stops with the run's
 * signal, or on its own once the drain is over.
 */
export class RunTracer {
  readonly tally = new ArrivalTally();
  private readonly abort: LinkedController;
  private tracing: Promise<TraceSummary> | undefined;

  constructor(
    private readonly clock: Clock,
    runSignal: AbortSignal,
    /** After each arrival (the progress line). */
    private readonly onArrival: () => void = () => undefined,
  ) {
    this.abort = linkedController(runSignal);
  }

  /** Starts tracing; resolves once subscribed, rejects if the tracer fails before that. */
  async start(options: RunTracerOptions): Promise<void> {
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    this.tracing = trace({
      ...options,
      signal: this.abort.signal,
      clock: this.clock,
      onReady: markReady,
      onMessage: (record) => {
        this.tally.note(record.seq, this.clock.now());
        this.onArrival();
      },
    });
    // A tracer that fails before SUBACK must not leave us waiting for it.
    await Promise.race([ready, this.tracing.then(() => undefined)]);
  }

  /** Stops the tracer and returns its summary (its failure, if it failed). */
  async stop(): Promise<TraceSummary> {
    this.abort.abort();
    if (!this.tracing) throw new Error('RunTracer.stop() before start()');
    return this.tracing;
  }

  /** After a failed run: stops the tracer and waits for it to close; its own failure is not the run's. */
  async stopAfterFailure(): Promise<TraceSummary | undefined> {
    this.abort.abort();
    return this.tracing?.catch(() => undefined);
  }

  /** Drops the listener on the run's signal. */
  unlink(): void {
    this.abort.unlink();
  }
}
