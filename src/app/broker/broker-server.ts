import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesOptions } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { SensortraceError, inputError } from '../../core/errors.js';
import { AEDES_CONCURRENCY, FilePersistence } from '../../io/broker/file-persistence.js';

/**
 * The embedded broker as a server one runs on its own (`sensortrace broker`, like
 * `mosquitto -p 1883 -v`) and as the child process an experiment restarts. Built beside
 * src/io/embedded-broker.ts (the in-process test broker) because it adds what a long-running
 * server needs: a password file, a WebSocket listener, and state kept on disk across restarts.
 */
export interface BrokerServerOptions {
  port: number;
  host?: string;
  /** Also accept MQTT over WebSocket on this port (path-agnostic, like Mosquitto's websockets listener). */
  wsPort?: number;
  /** username → password; when set, anonymous clients are refused. */
  credentials?: Map<string, string>;
  /** Snapshot file: sessions, queued messages and retained messages survive a graceful restart. */
  stateFile?: string;
  /** With stateFile: also save every this many seconds (0: only at shutdown). */
  autosaveIntervalS?: number;
  /** The `-v` log: connects, disconnects, subscriptions. */
  log?: (line: string) => void;
  /** Extra aedes options (tests). */
  aedes?: Partial<AedesOptions>;
}

export interface RunningBrokerServer {
  url: string;
  wsUrl?: string;
  port: number;
  wsPort?: number;
  aedes: Aedes;
  /** Stops listening, drops every client and, with a state file, saves the state. */
  close(): Promise<void>;
}

/** Reads a `user:password` per line file (`#` comments, blank lines ignored). */
export function readPasswordFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read the password file: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
  const credentials = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw inputError({ file: path, line: index + 1 }, 'expected user:password');
    credentials.set(line.slice(0, colon), line.slice(colon + 1));
  });
  if (credentials.size === 0) throw inputError({ file: path }, 'no user:password lines');
  return credentials;
}

export async function startBrokerServer(options: BrokerServerOptions): Promise<RunningBrokerServer> {
  const log = options.log;
  // Always our persistence, even memory-only: it carries the fix for aedes' QoS 2 queue leak.
  const persistence = new FilePersistence({
    ...(options.stateFile ? { path: options.stateFile } : {}),
    autosaveIntervalS: options.autosaveIntervalS ?? 0,
    ...(log ? { onLog: log } : {}),
  });
  const aedes = await Aedes.createBroker({
    persistence: persistence as unknown as AedesOptions['persistence'],
    concurrency: AEDES_CONCURRENCY,
    ...options.aedes,
  });
  if (options.credentials) {
    const credentials = options.credentials;
    aedes.authenticate = (client, username, password, done) => {
      const expected = username === undefined ? undefined : credentials.get(username);
      if (expected !== undefined && password !== undefined && password.toString() === expected) done(null, true);
      else {
        log?.(`refused ${client.id}: bad username or password`);
        done(Object.assign(new Error('bad username or password'), { returnCode: 4 }) as Parameters<typeof done>[0], false);
      }
    };
  }
  if (log) {
    aedes.on('client', (client) => {
      const c = client as typeof client & { clean?: boolean; version?: number };
      log(`client connected: ${client.id} (clean ${c.clean ? 1 : 0}, MQTT v${c.version ?? '?'})`);
    });
    aedes.on('clientDisconnect', (client) => log(`client disconnected: ${client.id}`));
    aedes.on('subscribe', (subs, client) => log(`${client?.id ?? '?'} subscribed: ${subs.map((s) => `${s.topic} (q${s.qos})`).join(', ')}`));
    aedes.on('unsubscribe', (topics, client) => log(`${client?.id ?? '?'} unsubscribed: ${topics.join(', ')}`));
    aedes.on('clientError', (client, error) => log(`client ${client.id} error: ${error.message}`));
  }

  const sockets = new Set<Socket>();
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  const listen = (target: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      target.once('error', (error: NodeJS.ErrnoException) =>
        reject(new SensortraceError(`cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`, 'E_USAGE', undefined, { cause: error })),
      );
      target.listen(port, host, () => {
        const address = target.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });

  let wss: WebSocketServer | undefined;
  let wsServer: Server | undefined;
  try {
    const port = await listen(server, options.port);
    let wsPort: number | undefined;
    if (options.wsPort !== undefined) {
      const http = await import('node:http');
      wsServer = http.createServer();
      wss = new WebSocketServer({ server: wsServer as unknown as import('node:http').Server });
      wss.on('connection', (websocket) => {
        const stream = createWebSocketStream(websocket);
        stream.on('error', () => websocket.terminate());
        aedes.handle(stream as unknown as Socket);
      });
      wsPort = await listen(wsServer, options.wsPort);
    }
    let closed: Promise<void> | undefined;
    return {
      url: `mqtt://${host}:${port}`,
      ...(wsPort !== undefined ? { wsUrl: `ws://${host}:${wsPort}`, wsPort } : {}),
      port,
      aedes,
      close: () =>
        (closed ??= (async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          if (wss) {
            for (const client of wss.clients) client.terminate();
            await new Promise<void>((resolve) => wss!.close(() => resolve()));
          }
          if (wsServer) await new Promise<void>((resolve) => wsServer!.close(() => resolve()));
          await new Promise<void>((resolve) => aedes.close(() => resolve()));
          persistence.stopAutosave();
          await persistence.save();
        })()),
    };
  } catch (error) {
    server.close();
    wsServer?.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
}
