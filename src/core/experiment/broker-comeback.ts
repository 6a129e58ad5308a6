/**
 * When a restarted broker was back. Our own port probe can notice a few ms after the clients
 * do (they retry every 250 ms too), and an outage window that ends late would count messages
 * that arrived on time as "late": so the broker is up at the latest when a client got a CONNACK
 * from it. Only a connect after the old broker is gone proves the new one is up.
 */
export class BrokerComeback {
  private down = false;
  private firstConnectAt: number | undefined;

  /** The old broker is gone: connects from now on are to the new one. */
  stopped(): void {
    this.down = true;
    this.firstConnectAt = undefined;
  }

  /** A client (tracer or replayer) connected at `at`. */
  clientConnected(at: number): void {
    if (this.down) this.firstConnectAt = Math.min(this.firstConnectAt ?? Infinity, at);
  }

  /** The broker's start was confirmed at `now`: returns when it was really back, and ends the outage. */
  started(now: number): number {
    const at = Math.min(now, this.firstConnectAt ?? Infinity);
    this.down = false;
    return at;
  }
}
