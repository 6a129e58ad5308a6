import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { AEDES_CONCURRENCY, FilePersistence } from './file-persistence.js';
import { checkMaxPacketBytes, DEFAULT_MAX_PACKET_BYTES, guardPacketSize, refusalText } from './packet-size-guard.js';

export interface EmbeddedBrokerOptions {
  port?: number;
  host?: string;
  /** Called for connects, disconnects and subscriptions (the `-v` log). */
  log?: (line: string) => void;
  /** username → password; when set, every client must authenticate. */
  credentials?: Map<string, string>;
  /** Largest packet (remaining length, bytes) a client may send; a bigger one closes its connection. Default 16 MiB. */
  maxPacketBytes?: number;
}

export interface RunningEmbeddedBroker {
  port: number;
  host: string;
  url: string;
  aedes: Aedes;
  /** Stops listening and drops every client (like a broker that goes away). */
  close(): Promise<void>;
}

/**
 * An in-process MQTT 3.1.1 broker (aedes; it does not speak MQTT 5). Its state lives in memory:
 * closing it loses every session, which is what a crash of a memory-only broker does.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<RunningEmbeddedBroker> {
  // FilePersistence without a file is aedes' memory store plus our fix for its QoS 2 queue bug
  // (overlapping flows to a persistent subscriber left messages queued and resent forever).
  const aedes = await Aedes.createBroker({ persistence: new FilePersistence({}), concurrency: AEDES_CONCURRENCY });
  const log = options.log;
  if (options.credentials) {
    const credentials = options.credentials;
    aedes.authenticate = (_client, username, password, done) => {
      const expected = username === undefined ? undefined : credentials.get(username);
      const ok = expected !== undefined && password !== undefined && password.toString() === expected;
      if (ok) done(null, true);
      else {
        const error = Object.assign(new Error('bad username or password'), { returnCode: 4 });
        done(error as Parameters<typeof done>[0], false);
      }
    };
  }
  // aedes has no shared subscriptions: it would take `$share/g/x` as a plain filter that matches
  // nothing, and a recorder would wait in silence. Refused instead (SUBACK 0x80), so it is told.
  aedes.authorizeSubscribe = (client, sub, done) => {
    if (!sub.topic.startsWith('$share/')) return done(null, sub);
    log?.(`${client?.id ?? '?'}: refused ${sub.topic}: shared subscriptions are not supported by the embedded broker`);
    done(null, null);
  };
  if (log) {
    aedes.on('client', (client) => log(`client connected: ${client.id}`));
    aedes.on('clientDisconnect', (client) => log(`client disconnected: ${client.id}`));
    aedes.on('subscribe', (subs, client) => log(`${client?.id ?? '?'} subscribed: ${subs.map((s) => `${s.topic} (q${s.qos})`).join(', ')}`));
  }
  const sockets = new Set<Socket>();
  const maxPacketBytes = checkMaxPacketBytes(options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
    guardPacketSize(socket, maxPacketBytes, (declared) => log?.(refusalText(`${socket.remoteAddress}:${socket.remotePort}`, declared, maxPacketBytes)));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    host,
    url: `mqtt://${host}:${port}`,
    aedes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
