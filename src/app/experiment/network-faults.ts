import { CLEAR_LINK, conditionsOf, describeFault, lastFaultEndMs, rolesWithFaults, type FaultRole, type NetworkFault } from '../../core/experiment/faults.js';
import type { ConnectionEvent } from '../../core/records.js';
import type { Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { FaultProxy } from '../../io/net/fault-proxy.js';
import { sleepUntil } from './interruptible.js';

/** The URL each client of a run connects to: the broker's, or its fault proxy's. */
export interface ClientUrls {
  replayer: string;
  recorder: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'tls:': 8883, 'ws:': 80, 'wss:': 443 };

/**
 * A run's network faults: a FaultProxy on loopback in front of the broker for each client a fault
 * touches (the other connects directly), the faults switched on and off on time from the replay's
 * start (like restarts), each start and end written to faults.events.csv (`fault_start`,
 * `fault_end`, detail = the fault as the report describes it). The broker keeps running.
 */
export class NetworkFaults {
  readonly events: ConnectionEvent[] = [];
  private readonly proxies = new Map<FaultRole, FaultProxy>();
  private readonly timers: Array<() => void> = [];
  private readonly active = new Set<NetworkFault>();
  private writer: EventsWriter | undefined;
  private startAt: number | undefined;

  constructor(
    private readonly faults: readonly NetworkFault[],
    private readonly eventsPath: string,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    /** Each fault switched on or off, as it happens (the live page's marks). */
    private readonly onEvent?: (event: ConnectionEvent) => void,
  ) {
    // Interrupted: the links heal at once, so every client can say goodbye within the stop's 2 s.
    signal.addEventListener('abort', () => this.lift(), { once: true });
  }

  /** Starts a proxy for each client with faults; the URLs the clients are to use. */
  async start(brokerUrl: string): Promise<ClientUrls> {
    const urls: ClientUrls = { replayer: brokerUrl, recorder: brokerUrl };
    if (this.faults.length === 0) return urls;
    this.writer = new EventsWriter(this.eventsPath);
    const target = new URL(brokerUrl);
    const targetPort = target.port === '' ? (DEFAULT_PORTS[target.protocol] ?? 1883) : Number(target.port);
    const targetHost = target.hostname.replace(/^\[|\]$/g, '');
    for (const role of rolesWithFaults(this.faults)) {
      const proxy = new FaultProxy({ targetHost, targetPort, clock: this.clock });
      const port = await proxy.listen();
      this.proxies.set(role, proxy);
      const through = new URL(brokerUrl);
      through.hostname = '127.0.0.1';
      through.port = String(port);
      urls[role] = through.toString().replace(/\/$/, '');
    }
    return urls;
  }

  /** Times every fault from `startAt` (the replay's first publish). */
  schedule(startAt: number): void {
    this.startAt = startAt;
    for (const fault of this.faults) {
      this.timers.push(this.clock.setTimer(startAt + fault.atMs, () => this.switch(fault, true)));
      this.timers.push(this.clock.setTimer(startAt + fault.atMs + fault.forMs, () => this.switch(fault, false)));
    }
  }

  /** Resolves once the last fault is over (a fault that outlasts the replay still plays out), or at an abort. */
  async finished(): Promise<void> {
    if (this.startAt === undefined || this.faults.length === 0) return;
    await sleepUntil(this.clock, this.startAt + lastFaultEndMs(this.faults), this.signal);
  }

  /**
   * Every fault lifted now (an end event for those still on), what a blackhole held let go: before
   * the recorder stops, so an interrupted run's DISCONNECT is not held back. Safe to call twice.
   */
  lift(): void {
    for (const cancel of this.timers.splice(0)) cancel();
    for (const fault of [...this.active]) this.record('fault_end', `${describeFault(fault)}; lifted early: the run ended`);
    this.active.clear();
    for (const proxy of this.proxies.values()) proxy.setConditions(CLEAR_LINK);
  }

  /** After the run: faults lifted, proxies and file closed. */
  async dispose(): Promise<void> {
    this.lift();
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    this.proxies.clear();
    this.writer?.close();
    this.writer = undefined;
  }

  private switch(fault: NetworkFault, on: boolean): void {
    if (on) this.active.add(fault);
    else if (!this.active.delete(fault)) return;
    // From the faults switched on, not from the time: a timer may fire a little before its instant.
    for (const [role, proxy] of this.proxies) proxy.setConditions(conditionsOf([...this.active], role, this.startAt!));
    this.record(on ? 'fault_start' : 'fault_end', describeFault(fault));
  }

  private record(event: 'fault_start' | 'fault_end', detail: string): void {
    const e: ConnectionEvent = { at: this.clock.now(), source: 'fault', event, detail };
    this.events.push(e);
    this.writer?.write(e);
    this.onEvent?.(e);
  }
}
