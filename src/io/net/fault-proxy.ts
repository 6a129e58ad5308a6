import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { CLEAR_LINK, type LinkConditions } from '../../core/experiment/faults.js';
import { IDLE_DIRECTION, releaseAt, sliceBytes, type DirectionState } from '../../core/experiment/link-shaping.js';
import type { Clock } from '../clock.js';

export interface FaultProxyOptions {
  /** Where the broker listens. */
  targetHost: string;
  targetPort: number;
  clock: Clock;
  /** [0, 1): places each chunk's jitter (default Math.random). */
  random?: () => number;
}

/** A chunk waiting to leave, or the end of its side (`end`: the other side closed). */
type Item = { at: number; bytes: Buffer } | { at: number; end: true };

/** A source stops being read once this much waits in a direction (a full TCP window, roughly). */
const HIGH_WATER = 1024 * 1024;

/**
 * One direction of a link: chunks leave in order at the times link-shaping.ts gives them, each
 * through the Clock; the end of the source (FIN, close, error) is queued behind them, so a
 * blackhole holds a close as it holds bytes.
 */
class Direction {
  private queue: Item[] = [];
  private state: DirectionState = IDLE_DIRECTION;
  private cancel: (() => void) | undefined;
  private queuedBytes = 0;
  private stopped = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly proxy: FaultProxy,
  ) {}

  take(chunk: Buffer): void {
    if (this.stopped) return;
    const link = this.proxy.conditions;
    const now = this.proxy.clock.now();
    const slice = sliceBytes(link);
    for (let offset = 0; offset < chunk.length; offset += slice) {
      const bytes = chunk.subarray(offset, Math.min(chunk.length, offset + slice));
      const next = releaseAt(this.state, now, bytes.length, link, this.proxy.random());
      this.state = next.state;
      this.queue.push({ at: next.at, bytes });
      this.queuedBytes += bytes.length;
    }
    if (this.queuedBytes > HIGH_WATER) this.from.pause();
    this.pump();
  }

  /** The source ended: the destination ends too, after what is queued (and after any hold). */
  end(): void {
    if (this.stopped || this.queue.some((item) => 'end' in item)) return;
    const { bytesPerS: _rate, ...unthrottled } = this.proxy.conditions;
    const next = releaseAt(this.state, this.proxy.clock.now(), 0, unthrottled, 0);
    this.queue.push({ at: next.at, end: true });
    this.pump();
  }

  /** A blackhole ended early or conditions changed: held items leave no later than the new conditions say. */
  release(until: number): void {
    for (const item of this.queue) if (item.at > until) item.at = until;
    this.state = { lastReleaseAt: Math.min(this.state.lastReleaseAt, until), wireFreeAt: Math.min(this.state.wireFreeAt, until) };
    this.cancel?.();
    this.cancel = undefined;
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
    this.cancel = undefined;
    this.queue = [];
  }

  private pump(): void {
    if (this.cancel) return;
    const clock = this.proxy.clock;
    while (this.queue.length > 0 && this.queue[0]!.at <= clock.now()) {
      const item = this.queue.shift()!;
      if ('end' in item) {
        this.to.end();
        this.to.destroySoon();
        this.queue = [];
        return;
      }
      this.queuedBytes -= item.bytes.length;
      if (!this.to.destroyed) this.to.write(item.bytes);
    }
    if (this.queuedBytes <= HIGH_WATER / 2 && this.from.isPaused()) this.from.resume();
    const head = this.queue[0];
    if (head)
      this.cancel = clock.setTimer(head.at, () => {
        this.cancel = undefined;
        this.pump();
      });
  }
}

/** One client connection through the proxy: the client's socket, the broker's, a direction each way. */
class Link {
  readonly upstream: Socket;
  private readonly up: Direction;
  private readonly down: Direction;

  constructor(
    readonly client: Socket,
    proxy: FaultProxy,
    options: FaultProxyOptions,
  ) {
    client.setNoDelay(true);
    this.upstream = createConnection({ host: options.targetHost, port: options.targetPort });
    this.upstream.setNoDelay(true);
    this.up = new Direction(client, this.upstream, proxy);
    this.down = new Direction(this.upstream, client, proxy);
    client.on('data', (chunk: Buffer) => this.up.take(chunk));
    this.upstream.on('data', (chunk: Buffer) => this.down.take(chunk));
    // A refused or failed upstream closes the client's side the same way (after any hold).
    client.on('error', () => undefined);
    this.upstream.on('error', () => undefined);
    client.on('close', () => this.up.end());
    this.upstream.on('close', () => this.down.end());
  }

  release(until: number): void {
    this.up.release(until);
    this.down.release(until);
  }

  destroy(): void {
    this.up.stop();
    this.down.stop();
    this.client.resetAndDestroy();
    this.upstream.destroy();
  }
}

/**
 * A TCP proxy on loopback in front of the broker, for one client, whose link a fault can disturb
 * while the broker keeps running: `cut` closes every connection and refuses new ones (reset) while
 * it lasts; a blackhole keeps the sockets open and holds every byte and every close, both ways,
 * until it ends — half-open, as a NAT that forgot the connection; only keepalive notices; a delay
 * and a throttle shape the bytes (see core/experiment/link-shaping.ts). node:net only, no buffering
 * beyond what the faults hold; timers through the Clock.
 */
export class FaultProxy {
  conditions: LinkConditions = CLEAR_LINK;
  readonly clock: Clock;
  readonly random: () => number;
  private readonly server: Server;
  private readonly links = new Set<Link>();

  constructor(private readonly options: FaultProxyOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Listens on 127.0.0.1 on a free port; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Open connections through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  /** New conditions from now on: a cut closes every link; the end of a blackhole lets what it held go. */
  setConditions(next: LinkConditions): void {
    const before = this.conditions;
    this.conditions = next;
    if (next.cut) for (const link of [...this.links]) this.drop(link);
    const heldUntil = before.holdUntil;
    if (heldUntil !== undefined && (next.holdUntil === undefined || next.holdUntil < heldUntil)) {
      const now = this.clock.now();
      for (const link of this.links) link.release(Math.max(now, next.holdUntil ?? now));
    }
  }

  /** Closes the server and every link. */
  close(): Promise<void> {
    for (const link of [...this.links]) this.drop(link);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.conditions.cut) {
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    const link = new Link(socket, this, this.options);
    this.links.add(link);
    let closed = 0;
    const gone = (): void => {
      if (++closed === 2) this.links.delete(link);
    };
    socket.once('close', gone);
    link.upstream.once('close', gone);
  }

  private drop(link: Link): void {
    link.destroy();
    this.links.delete(link);
  }
}
