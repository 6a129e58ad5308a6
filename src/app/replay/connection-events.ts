import type { ConnectionEvent } from '../../core/records.js';

/** Passes connection events on (events file, caller) and counts reconnects: every connect after the first. */
export class ConnectionEvents {
  reconnects = 0;
  private connectedOnce = false;

  constructor(private readonly sinks: Array<((event: ConnectionEvent) => void) | undefined>) {}

  readonly handle = (event: ConnectionEvent): void => {
    if (event.event === 'connect') {
      if (this.connectedOnce) this.reconnects++;
      this.connectedOnce = true;
    }
    for (const sink of this.sinks) sink?.(event);
  };
}
