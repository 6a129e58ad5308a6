import { Aedes, type AedesOptions } from 'aedes';
import { AEDES_CONCURRENCY, FilePersistence } from '../../io/broker/file-persistence.js';
import { logActivity, requireCredentials } from './broker-hooks.js';
import { TcpListener, WebSocketListener } from './listeners.js';
import { checkMaxPacketBytes, DEFAULT_MAX_PACKET_BYTES } from '../../io/broker/packet-size-guard.js';
import { checkStateFile } from './state-file.js';

export { readPasswordFile } from './password-file.js';

/**
 * The embedded broker as a server one runs on its own (`sensortrace broker`, like
 * `mosquitto -p 1883 -v`) and as the child process an experiment restarts. Built beside
 * src/io/broker/embedded-broker.ts (the in-process test broker) because it adds what a
 * long-running server needs: a password file, a WebSocket listener, and state kept on disk
 * across restarts.
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
  /** Largest packet (remaining length, bytes) a client may send; a bigger one closes its connection. Default 16 MiB. */
  maxPacketBytes?: number;
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

function closeAedes(aedes: Aedes): Promise<void> {
  return new Promise<void>((resolve) => aedes.close(() => resolve()));
}

/** aedes with our persistence, and the password check and `-v` log when asked for. */
async function createBroker(options: BrokerServerOptions): Promise<{ aedes: Aedes; persistence: FilePersistence }> {
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
  if (options.credentials) requireCredentials(aedes, options.credentials, log);
  if (log) logActivity(aedes, log);
  return { aedes, persistence };
}

export async function startBrokerServer(options: BrokerServerOptions): Promise<RunningBrokerServer> {
  const limit = { maxPacketBytes: checkMaxPacketBytes(options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES), ...(options.log ? { log: options.log } : {}) };
  // Before anything starts: a state file that could not be saved at stop would lose the state then.
  if (options.stateFile) checkStateFile(options.stateFile);
  const { aedes, persistence } = await createBroker(options);
  const host = options.host ?? '127.0.0.1';
  const tcp = new TcpListener(aedes, limit);
  const ws = options.wsPort === undefined ? undefined : new WebSocketListener(aedes, limit);
  try {
    const port = await tcp.listen(host, options.port);
    const wsPort = ws ? await ws.listen(host, options.wsPort!) : undefined;
    let closing: Promise<void> | undefined;
    // Listeners first (no new clients), then aedes, then the state is saved: nothing changes it after that.
    const close = async (): Promise<void> => {
      await tcp.close();
      await ws?.close();
      await closeAedes(aedes);
      persistence.stopAutosave();
      await persistence.save();
    };
    return {
      url: `mqtt://${host}:${port}`,
      ...(wsPort !== undefined ? { wsUrl: `ws://${host}:${wsPort}`, wsPort } : {}),
      port,
      aedes,
      close: () => (closing ??= close()),
    };
  } catch (error) {
    tcp.abandon();
    ws?.abandon();
    await closeAedes(aedes);
    throw error;
  }
}
