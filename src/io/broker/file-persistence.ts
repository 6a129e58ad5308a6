import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SensortraceError } from '../../core/errors.js';

/**
 * Disk-backed session state for the embedded broker, in the spirit of Mosquitto's
 * `persistence true` + `autosave_interval`: the broker keeps its state in memory (aedes'
 * own in-memory persistence) and writes a snapshot on graceful shutdown (and every autosave
 * interval); at start it loads the last snapshot. A SIGKILL therefore loses whatever changed
 * since the last save — exactly the crash behaviour the experiments want to show.
 *
 * The memory implementation keeps its maps in private fields, so the snapshot is taken through
 * its public API; the only thing it cannot enumerate is which client ids it knows, which this
 * subclass tracks as they pass by.
 */

interface PacketLike {
  cmd?: string;
  topic?: string;
  payload?: Buffer | string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  [key: string]: unknown;
}

interface ClientRef {
  id: string;
}

interface SubscriptionLike {
  topic: string;
  qos: number;
  [key: string]: unknown;
}

interface MemoryPersistenceLike {
  setup(broker: unknown): Promise<void>;
  storeRetained(packet: PacketLike): Promise<void>;
  createRetainedStream(pattern: string): AsyncIterable<PacketLike>;
  addSubscriptions(client: ClientRef, subs: SubscriptionLike[]): Promise<void>;
  removeSubscriptions(client: ClientRef, topics: string[]): Promise<void>;
  subscriptionsByClient(client: ClientRef): Promise<SubscriptionLike[]>;
  cleanSubscriptions(client: ClientRef): Promise<void>;
  outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PacketLike): Promise<void>;
  outgoingStream(client: ClientRef): AsyncIterable<PacketLike>;
  outgoingUpdate(client: ClientRef, packet: PacketLike): Promise<void>;
  incomingStorePacket(client: ClientRef, packet: PacketLike): Promise<void>;
  incomingDelPacket(client: ClientRef, packet: PacketLike): Promise<void>;
  cleanIncoming(client: ClientRef): Promise<void>;
}

const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new (options?: object) => MemoryPersistenceLike;


/**
 * aedes' `concurrency` (default 100): above it, published messages wait in mqemitter's queue,
 * which drains recursively when deliveries complete synchronously (e.g. the subscriber just
 * left) — a queue of a few thousand overflows the stack and kills the broker. A ceiling this
 * high keeps bursts from queueing there; deliveries still wait on the sockets.
 */
export const AEDES_CONCURRENCY = 100_000;

export interface BrokerSnapshot {
  version: 1;
  savedAt: number;
  retained: PacketLike[];
  clients: Array<{ id: string; subscriptions: SubscriptionLike[]; outgoing: PacketLike[]; incoming: PacketLike[] }>;
}

export interface FilePersistenceOptions {
  /** Where the snapshot lives (written atomically: temp file + rename); none: memory only. */
  path?: string;
  /** Save every this many seconds as well as at shutdown; 0: only at shutdown. */
  autosaveIntervalS?: number;
  onLog?: (line: string) => void;
}

export class FilePersistence extends MemoryPersistence {
  private readonly knownClients = new Set<string>();
  /** aedes' incoming QoS 2 store cannot be listed, so keep a shadow copy (it stays tiny). */
  private readonly incomingShadow = new Map<string, Map<number, PacketLike>>();
  private autosaveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;

  constructor(private readonly fileOptions: FilePersistenceOptions) {
    super();
  }

  override async setup(broker: unknown): Promise<void> {
    await super.setup(broker);
    await this.load();
    const every = this.fileOptions.autosaveIntervalS ?? 0;
    if (every > 0 && this.fileOptions.path !== undefined) {
      this.autosaveTimer = setInterval(() => void this.save().catch((error: Error) => this.fileOptions.onLog?.(`autosave failed: ${error.message}`)), every * 1000);
      this.autosaveTimer.unref();
    }
  }

  override async addSubscriptions(client: ClientRef, subs: SubscriptionLike[]): Promise<void> {
    this.knownClients.add(client.id);
    await super.addSubscriptions(client, subs);
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: PacketLike): Promise<void> {
    this.knownClients.add(sub.clientId);
    await super.outgoingEnqueue(sub, packet);
  }

  override async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PacketLike): Promise<void> {
    for (const sub of subs) this.knownClients.add(sub.clientId);
    await super.outgoingEnqueueCombi(subs, packet);
  }

  /**
   * Works around a queue leak in aedes 1.2 + aedes-persistence 11: aedes stores a PUBREL without
   * broker identity, and the memory store matches an incoming PUBREL to the first queued entry
   * whose (brokerId, brokerCounter) are both undefined — the *previous* PUBREL still waiting for
   * its PUBCOMP — instead of the PUBLISH it acknowledges. With two QoS 2 messages in flight to a
   * persistent subscriber, the second PUBLISH then stays queued forever and is sent again on every
   * reconnect (a QoS 2 duplicate). Turning the matching PUBLISH into the PUBREL in place keeps its
   * identity, so later lookups find exactly it.
   */
  override async outgoingUpdate(client: ClientRef, packet: PacketLike): Promise<void> {
    if (packet.cmd === 'pubrel' && packet.brokerId === undefined && packet.messageId !== undefined) {
      for await (const entry of super.outgoingStream(client)) {
        if (entry.messageId === packet.messageId && entry.cmd === 'publish') {
          entry.cmd = 'pubrel';
          return;
        }
      }
    }
    await super.outgoingUpdate(client, packet);
  }

  override async incomingStorePacket(client: ClientRef, packet: PacketLike): Promise<void> {
    await super.incomingStorePacket(client, packet);
    this.knownClients.add(client.id);
    let store = this.incomingShadow.get(client.id);
    if (!store) this.incomingShadow.set(client.id, (store = new Map()));
    if (packet.messageId !== undefined) store.set(packet.messageId, { ...packet });
  }

  override async incomingDelPacket(client: ClientRef, packet: PacketLike): Promise<void> {
    await super.incomingDelPacket(client, packet);
    if (packet.messageId !== undefined) this.incomingShadow.get(client.id)?.delete(packet.messageId);
  }

  override async cleanIncoming(client: ClientRef): Promise<void> {
    await super.cleanIncoming(client);
    this.incomingShadow.delete(client.id);
  }

  async snapshot(): Promise<BrokerSnapshot> {
    const retained: PacketLike[] = [];
    for await (const packet of super.createRetainedStream('#')) {
      // $SYS heartbeats name the old broker id: meaningless after a restart.
      if (!packet.topic?.startsWith('$SYS')) retained.push(packet);
    }
    const clients: BrokerSnapshot['clients'] = [];
    for (const id of this.knownClients) {
      const subscriptions = await super.subscriptionsByClient({ id });
      const outgoing: PacketLike[] = [];
      for await (const packet of super.outgoingStream({ id })) outgoing.push(packet);
      const incoming = [...(this.incomingShadow.get(id)?.values() ?? [])];
      if (subscriptions.length + outgoing.length + incoming.length > 0) clients.push({ id, subscriptions, outgoing, incoming });
    }
    return { version: 1, savedAt: Date.now(), retained, clients };
  }

  /** Writes the snapshot; concurrent calls share one write. */
  save(): Promise<void> {
    const path = this.fileOptions.path;
    if (path === undefined) return Promise.resolve();
    this.saving ??= (async () => {
      try {
        const snapshot = await this.snapshot();
        const temp = `${path}.tmp`;
        writeFileSync(temp, JSON.stringify(snapshot, encodeBuffers));
        renameSync(temp, path);
        const queued = snapshot.clients.reduce((n, c) => n + c.outgoing.length, 0);
        this.fileOptions.onLog?.(`state saved to ${path}: ${snapshot.clients.length} sessions, ${queued} queued messages, ${snapshot.retained.length} retained`);
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  private restoreOutgoing(clientId: string, packets: readonly PacketLike[]): Promise<void> {
    return restoreOutgoingInto(this, clientId, packets, (p) => super.outgoingEnqueue({ clientId }, p));
  }

  stopAutosave(): void {
    if (this.autosaveTimer !== undefined) clearInterval(this.autosaveTimer);
    this.autosaveTimer = undefined;
  }

  private async load(): Promise<void> {
    const path = this.fileOptions.path;
    if (path === undefined || !existsSync(path)) return;
    let snapshot: BrokerSnapshot;
    try {
      snapshot = JSON.parse(readFileSync(path, 'utf8'), decodeBuffers) as BrokerSnapshot;
    } catch (error) {
      throw new SensortraceError(`${path}: cannot read the broker state: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
    }
    if (snapshot.version !== 1) throw new SensortraceError(`${path}: unknown broker state version ${String(snapshot.version)}`, 'E_INPUT', { file: path });
    for (const packet of snapshot.retained) await super.storeRetained(packet);
    let queued = 0;
    for (const client of snapshot.clients) {
      this.knownClients.add(client.id);
      if (client.subscriptions.length > 0) await super.addSubscriptions({ id: client.id }, client.subscriptions);
      await this.restoreOutgoing(client.id, client.outgoing);
      queued += client.outgoing.length;
      for (const packet of client.incoming) await this.incomingStorePacket({ id: client.id }, packet);
    }
    this.fileOptions.onLog?.(`state loaded from ${path}: ${snapshot.clients.length} sessions, ${queued} queued messages, ${snapshot.retained.length} retained`);
  }
}

/**
 * aedes finds a queued packet again by (brokerId, brokerCounter) and acks it by messageId. A
 * PUBREL waiting in the queue (QoS 2, PUBREC already received) carries neither broker field, and
 * re-enqueueing drops every messageId — so give each restored packet a unique identity and put
 * back its messageId: the subscriber then sees the very same PUBLISH/PUBREL ids it saw before.
 */
let restoredBatch = 0;
async function restoreOutgoingInto(target: MemoryPersistenceLike, clientId: string, packets: readonly PacketLike[], enqueue: (p: PacketLike) => Promise<void>): Promise<void> {
  const brokerId = `restored-${process.pid}-${++restoredBatch}`;
  let counter = 0;
  for (const packet of packets) {
    const identity = packet.brokerId && packet.brokerCounter ? {} : { brokerId, brokerCounter: ++counter };
    await enqueue({ ...packet, ...identity });
  }
  let i = 0;
  for await (const queued of target.outgoingStream({ id: clientId })) {
    const saved = packets[i++];
    if (saved?.messageId !== undefined) queued.messageId = saved.messageId;
  }
}

function encodeBuffers(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (Buffer.isBuffer(raw)) return { $base64: raw.toString('base64') };
  return value;
}

function decodeBuffers(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && '$base64' in value && typeof (value as { $base64: unknown }).$base64 === 'string') {
    return Buffer.from((value as { $base64: string }).$base64, 'base64');
  }
  return value;
}
