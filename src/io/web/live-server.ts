import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SensortraceError, optionError } from '../../core/errors.js';
import { systemClock, type Clock } from '../clock.js';

/**
 * What a live page shows, whatever the command: its fixed page, and the state it draws, read
 * only when a frame or /api/state is due (never per message). The state objects are pure
 * (core/live); a view only names them and the page.
 */
export interface LiveView {
  /** The page (HTML) and its Content-Security-Policy. */
  page: { html: string; csp: string };
  /** Bumped on every change: a frame is skipped while it stays the same (but one a second goes anyway). */
  version(): number;
  /** One event-stream frame (JSON). */
  frame(now: number): unknown;
  /** GET /api/state (JSON). */
  state(now: number): unknown;
}

export interface LiveServerOptions {
  /** 0: any free port (read it from `url`). */
  port: number;
  /** Default 127.0.0.1: the page is for this machine unless asked otherwise. */
  host?: string;
  /** An event-stream frame at most this often (default 200 ms), and only when something changed or a second passed. */
  intervalMs?: number;
  /** A client with more than this many bytes not yet read is dropped (default 1 MB). */
  maxBufferedBytes?: number;
  clock?: Clock;
}

const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store' };
const ROUTES = new Set(['/', '/events', '/api/state']);
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The live page's server: read-only (GET /, GET /events, GET /api/state; anything else 404, other
 * methods 405). The event stream sends sampled frames on one Clock timer for every client —
 * never one per message — and a client that does not read is dropped, so neither a fast stream
 * nor a forgotten tab grows the process.
 */
export class LiveServer {
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly clock: Clock;
  private cancelTick: (() => void) | undefined;
  private sentVersion = -1;
  private sentAt = Number.NEGATIVE_INFINITY;
  private port = 0;

  constructor(
    private readonly view: LiveView,
    private readonly options: LiveServerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.server = createServer((req, res) => this.handle(req, res));
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/`;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') reject(optionError('web', `port ${this.options.port} is in use on ${this.host}`));
        else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(optionError('webHost', `cannot listen on ${this.host} (${error.code})`));
        else reject(new SensortraceError(`live page: ${error.message}`, 'E_USAGE'));
      });
      this.server.listen(this.options.port, this.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.schedule();
    return this.url;
  }

  /** A last frame, then every stream ended and the socket closed. */
  async close(): Promise<void> {
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.broadcast(true);
    for (const res of this.clients) res.end();
    this.clients.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private schedule(): void {
    this.cancelTick = this.clock.setTimer(this.clock.now() + (this.options.intervalMs ?? 200), () => {
      this.broadcast(false);
      this.schedule();
    });
  }

  private broadcast(force: boolean): void {
    if (this.clients.size === 0) return;
    const now = this.clock.now();
    const version = this.view.version();
    if (!force && version === this.sentVersion && now - this.sentAt < 1000) return;
    this.sentVersion = version;
    this.sentAt = now;
    const data = `data: ${JSON.stringify(this.view.frame(now))}\n\n`;
    const limit = this.options.maxBufferedBytes ?? 1_000_000;
    for (const res of this.clients) {
      if (res.writableLength > limit) {
        this.clients.delete(res);
        res.destroy();
      } else res.write(data);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!this.hostAllowed(req)) return this.reply(res, 403, 'text/plain; charset=utf-8', 'forbidden: unexpected Host header\n');
    if (!ROUTES.has(path)) return this.reply(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.reply(res, 405, 'text/plain; charset=utf-8', 'read-only: only GET\n');
    }
    if (path === '/') {
      res.setHeader('Content-Security-Policy', this.view.page.csp);
      return this.reply(res, 200, 'text/html; charset=utf-8', req.method === 'HEAD' ? '' : this.view.page.html);
    }
    if (req.method === 'HEAD') return this.reply(res, 200, path === '/events' ? 'text/event-stream; charset=utf-8' : 'application/json; charset=utf-8', '');
    if (path === '/api/state') return this.reply(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(this.view.state(this.clock.now()))}\n`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    // retry: a tab whose tool went away asks again every second, and picks up the next run.
    res.write(`retry: 1000\ndata: ${JSON.stringify(this.view.frame(this.clock.now()))}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /**
   * Bound to loopback, the page answers only to loopback names: a web page elsewhere that points
   * its own host name at 127.0.0.1 (DNS rebinding) cannot read the stream.
   */
  private hostAllowed(req: IncomingMessage): boolean {
    if (!LOOPBACK.has(this.host)) return true;
    const header = req.headers.host ?? '';
    const name = header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!;
    return LOOPBACK.has(name);
  }

  private reply(res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
    res.end(body);
  }
}
