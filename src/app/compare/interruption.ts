import { SensortraceError } from '../../core/errors.js';

/**
 * Compare has nothing worth keeping until its files are written, so a signal stops it at the
 * next checkpoint with E_INTERRUPTED (exit 130/143) instead of letting a long analysis finish and
 * report success. A checkpoint yields one event-loop turn first: a signal is delivered only there,
 * and reading, analysis and chart drawing would otherwise keep the loop busy for many seconds.
 */
export class Interruption {
  private phase = 'reading the inputs';

  constructor(
    private readonly signal: AbortSignal | undefined,
    /** The files written so far (named in the message; compare adds to it). */
    readonly files: string[],
  ) {}

  /** Names what runs next (for the message) and stops if the signal came meanwhile. */
  async checkpoint(phase?: string): Promise<void> {
    if (!this.signal) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.throwIfAborted();
    if (phase) this.phase = phase;
  }

  /** `work`, unless the signal comes first: a read still running is left to end with the process. */
  race<T>(work: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) return work;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        try {
          this.throwIfAborted();
        } catch (error) {
          reject(error);
        }
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal.removeEventListener('abort', onAbort);
      work.then(
        (value) => (done(), resolve(value)),
        (error: unknown) => (done(), reject(error)),
      );
    });
  }

  throwIfAborted(): void {
    if (!this.signal?.aborted) return;
    const by = typeof this.signal.reason === 'string' ? this.signal.reason : 'a signal';
    const files = this.files.length === 0 ? 'no file written' : `written (whole): ${this.files.join(', ')}`;
    throw new SensortraceError(`compare stopped by ${by} while ${this.phase}; ${files}`, 'E_INTERRUPTED');
  }
}
