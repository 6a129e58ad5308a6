import { SensortraceError } from '../../core/errors.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { Clock } from '../clock.js';

/**
 * Gives up on a broker that stays away: fed the connection events of one client, it calls
 * `onGiveUp` once the link has been down for `afterMs` without a CONNACK in between. Down means
 * from the `offline` event on (the first connection has its own deadline, the connect timeout).
 * Every timer goes through the injected Clock; `stop()` cancels the one that may be pending.
 */
export class GiveUpWatch {
  /** When the link went down, while it is down. */
  private downSince: number | undefined;
  private cancel: (() => void) | undefined;
  private fired = false;
  /** How long the broker had been away when the watch gave up. */
  downForMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly afterMs: number,
    private readonly onGiveUp: (downForMs: number) => void,
  ) {}

  /** True once the watch has given up. */
  get gaveUp(): boolean {
    return this.fired;
  }

  readonly handle = (event: Pick<ConnectionEvent, 'event' | 'at'>): void => {
    if (this.fired) return;
    if (event.event === 'connect') {
      this.downSince = undefined;
      this.cancelTimer();
    } else if (event.event === 'offline' && this.downSince === undefined) {
      this.downSince = event.at;
      this.cancel = this.clock.setTimer(event.at + this.afterMs, () => this.fire());
    }
  };

  stop(): void {
    this.cancelTimer();
  }

  private fire(): void {
    this.cancel = undefined;
    if (this.downSince === undefined || this.fired) return;
    this.fired = true;
    this.downForMs = this.clock.now() - this.downSince;
    this.onGiveUp(this.downForMs);
  }

  private cancelTimer(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}

/** The exit-3 error of a command that gave up; `what` says what stayed undone (files are whole). */
export function gaveUpError(broker: string, downForMs: number, what: string): SensortraceError {
  return new SensortraceError(`broker unreachable: ${broker} away for ${(downForMs / 1000).toFixed(1)} s (--give-up-after), gave up; ${what}`, 'E_UNREACHABLE');
}
