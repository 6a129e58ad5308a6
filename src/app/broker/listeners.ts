import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { SensortraceError } from '../../core/errors.js';
import { guardPacketSize, refusalText } from '../../io/broker/packet-size-guard.js';

/** The largest packet a client may send and who hears of a refusal (the `-v` log). */
export interface PacketLimit {
  maxPacketBytes: number;
  log?: (line: string) => void;
}

/** Listens on host:port; resolves with the port bound (the OS's choice for 0). A port in use is a usage error. */
function listen(target: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    target.once('error', (error: NodeJS.ErrnoException) =>
      reject(new SensortraceError(`cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`, 'E_USAGE', undefined, { cause: error })),
    );
    target.listen(port, host, () => {
      const address = target.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function closed(server: Server | WebSocketServer): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** MQTT over TCP. Keeps its sockets so close() can drop every client at once (a restart must look like one). */
export class TcpListener {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(aedes: Aedes, limit: PacketLimit) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      aedes.handle(socket);
      guardPacketSize(socket, limit.maxPacketBytes, (declared) => limit.log?.(refusalText(`${socket.remoteAddress}:${socket.remotePort}`, declared, limit.maxPacketBytes)));
    });
  }

  listen(host: string, port: number): Promise<number> {
    return listen(this.server, host, port);
  }

  /** Drops every client, then waits for the server to close. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closed(this.server);
  }

  /** After a failed start: stop listening, without waiting. */
  abandon(): void {
    this.server.close();
  }
}

/** MQTT over WebSocket on any path (like Mosquitto's websockets listener). */
export class WebSocketListener {
  private readonly http: HttpServer = createHttpServer();
  private readonly wss: WebSocketServer;

  constructor(aedes: Aedes, limit: PacketLimit) {
    // A WebSocket message is at most one packet plus its header (ws buffers a whole message).
    this.wss = new WebSocketServer({ server: this.http, maxPayload: limit.maxPacketBytes + 5 });
    // ws re-emits the HTTP server's errors here, before listen() sees them: without this
    // listener a port in use was an uncaught exception instead of listen()'s usage error.
    this.wss.on('error', () => undefined);
    this.wss.on('connection', (websocket) => {
      const stream = createWebSocketStream(websocket);
      stream.on('error', () => websocket.terminate());
      aedes.handle(stream as unknown as Socket);
      guardPacketSize(stream, limit.maxPacketBytes, (declared) => limit.log?.(refusalText('WebSocket client', declared, limit.maxPacketBytes)));
    });
  }

  listen(host: string, port: number): Promise<number> {
    return listen(this.http, host, port);
  }

  /** Drops every client, then waits for the WebSocket and HTTP servers to close. */
  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await closed(this.wss);
    await closed(this.http);
  }

  abandon(): void {
    this.http.close();
  }
}
