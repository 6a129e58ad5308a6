import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type MqttClient, type IPublishPacket, type ISubscriptionGrant, type Packet } from 'mqtt';
import { SensortraceError, usageError } from '../../core/errors.js';
import type { LineMessage } from '../../core/trace/line-format.js';
import { eventsPathFor, type ConnectionEvent, type Qos, type TraceRecord } from '../../core/records.js';
import { anyFilterMatches, parseTopicFilter, type ParsedFilter } from '../../core/mqtt/topic-filter.js';
import { toTraceRecord } from '../../core/trace/trace-row.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { openConnection, type ConnectionOptions, type MqttConnection } from '../../io/mqtt/connection.js';
import { TraceWriter } from '../../io/logs/trace-writer.js';

export interface TraceOptions {
  /** Topic filters to subscribe to (`+`, `#`, `$share/<group>/...`). */
  filters: string[];
  /** Topics matching any of these are received but not recorded (mosquitto_sub -T). */
  exclude?: string[];
  /** Maximum QoS requested for every filter. */
  qos: Qos;
  /** Trace file (CSV, or JSON lines with jsonl); events go to eventsPathFor(output). */
  output?: string;
  jsonl?: boolean;
  append?: boolean;
  fsync?: boolean;
  flushIntervalMs?: number;
  /** Stop after this many recorded messages. */
  count?: number;
  /** Stop when nothing arrived for this long (counted from the subscription). */
  idleMs?: number;
  /** Stop this long after the subscription. */
  durationMs?: number;
  /** Skip messages delivered with the retain flag (stale values sent at subscribe time). */
  skipRetained?: boolean;
  connection: ConnectionOptions;
  signal?: AbortSignal;
  clock?: Clock;
  /**
   * Each recorded message, after its row is handed to the writer. Returning a promise holds the
   * acknowledgement (and the next message) until it settles: back-pressure from a slow stdout.
   */
  onMessage?(record: TraceRecord, message: LineMessage): void | Promise<void>;
  /** After the first SUBACK: the tracer is subscribed, publishers can start. */
  onReady?(): void;
  onEvent?(event: ConnectionEvent): void;
}

export type TraceStopReason = 'count' | 'idle' | 'duration' | 'signal';

export interface TraceSummary {
  /** Messages recorded (handed to the writer / onMessage). */
  received: number;
  /** Rows in the output file at the end (equals received when an output was given). */
  written: number;
  retainedSkipped: number;
  /** Messages received on topics excluded with -T. */
  excluded: number;
  /** Successful reconnections after the first connection. */
  reconnects: number;
  /** Reconnects that found no session (messages queued for us may be lost). */
  sessionsLost: number;
  durationMs: number;
  stoppedBy: TraceStopReason;
  output?: string;
  eventsPath?: string;
}

type PublishHandler = (packet: IPublishPacket, done: (error?: Error) => void) => void;

function validateOptions(options: TraceOptions): { filters: ParsedFilter[]; exclude: ParsedFilter[] } {
  if (options.filters.length === 0) throw usageError('trace: at least one topic filter is needed (-t)');
  const filters = options.filters.map((f) => parseTopicFilter(f, '-t'));
  const exclude = (options.exclude ?? []).map((f) => {
    const parsed = parseTopicFilter(f, '-T');
    if (parsed.shareGroup !== undefined) throw usageError(`-T: "${f}": exclusions match topics, a $share prefix makes no sense here`);
    return parsed;
  });
  if (options.qos !== 0 && options.qos !== 1 && options.qos !== 2) throw usageError(`trace: QoS must be 0, 1 or 2 (found "${String(options.qos)}")`);
  for (const [name, value] of [['count', options.count], ['idleMs', options.idleMs], ['durationMs', options.durationMs], ['flushIntervalMs', options.flushIntervalMs]] as const) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) throw usageError(`trace: ${name} must be a positive number (found "${value}")`);
  }
  return { filters, exclude };
}

function toLineMessage(packet: IPublishPacket, receivedAt: number): LineMessage {
  const message: LineMessage = {
    topic: packet.topic,
    payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
    qos: packet.qos,
    retain: packet.retain,
    receivedAt,
  };
  if (packet.messageId !== undefined) message.messageId = packet.messageId;
  if (packet.properties) message.properties = packet.properties as LineMessage['properties'];
  return message;
}

interface HeldAcks {
  /** Flushes the rows, then sends every held acknowledgement (one socket write). */
  release(): void;
}

type WritePacket = (packet: Packet, cb?: (error?: Error) => void) => void;

/**
 * PUBACK/PUBREC leave only after the rows they acknowledge are in the file. Flushing and sending
 * per message costs two syscalls a message (most of a QoS 1 drain); MQTT.js hands a whole socket
 * read of packets through its handlers on process.nextTick, so the acknowledgements are held and
 * released together at setImmediate — after the burst — behind a single flush. MQTT.js goes on to
 * the next packet at once (its callback is not held). Acknowledgements held for a connection
 * that has since dropped are discarded: the broker resends those messages on the new one
 * (QoS 2 resends are recognised by packet id; QoS 1 may be recorded twice, as it always could).
 */
function holdAcks(client: MqttClient, flush: () => void, fail: (error: unknown) => void): HeldAcks {
  const c = client as unknown as { _writePacket: WritePacket; stream: NodeJS.WritableStream & { cork?(): void; uncork?(): void; destroyed?: boolean } };
  const writePacket = c._writePacket.bind(client);
  let held: Packet[] = [];
  let heldOn: unknown;
  let scheduled: NodeJS.Immediate | undefined;
  const release = (): void => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = undefined;
    if (held.length === 0) {
      flush();
      return;
    }
    const packets = held;
    held = [];
    flush(); // throws on a failed write: nothing below is sent
    const stream = c.stream;
    if (stream !== heldOn || stream.destroyed) return;
    stream.cork?.();
    try {
      for (const packet of packets) writePacket(packet);
    } finally {
      stream.uncork?.();
    }
  };
  c._writePacket = (packet, cb) => {
    if (packet.cmd !== 'puback' && packet.cmd !== 'pubrec') {
      // Anything else (PUBCOMP, PINGREQ, DISCONNECT) goes after what waits: packets leave in order.
      if (held.length > 0) {
        try {
          release();
        } catch (error) {
          fail(error);
        }
      }
      writePacket(packet, cb);
      return;
    }
    if (held.length > 0 && heldOn !== c.stream) held = [];
    heldOn = c.stream;
    held.push(packet);
    scheduled ??= setImmediate(() => {
      scheduled = undefined;
      try {
        release();
      } catch (error) {
        fail(error);
      }
    });
    cb?.();
  };
  return { release };
}

/**
 * Records every message on the filters. A QoS 1/2 message is acknowledged to the broker only
 * after its row is handed to the writer (QoS 2: before PUBREC, deduplicated by packet id until
 * PUBREL), so whatever the broker considers delivered is in our buffer — and every way of
 * stopping flushes that buffer and closes the file whole.
 */
export async function trace(options: TraceOptions): Promise<TraceSummary> {
  const { filters, exclude } = validateOptions(options);
  const clock = options.clock ?? systemClock;
  const signal = options.signal;
  const clientId = options.connection.clientId ?? `st-trace-${randomBytes(6).toString('hex')}`;
  const connectionOptions: ConnectionOptions = { ...options.connection, clientId };

  // A timed flush that fails (a full disk) stops the trace like any other fatal error.
  const onWriteError = (error: unknown): void => fail(error);
  const writer = options.output
    ? new TraceWriter(options.output, { jsonl: options.jsonl ?? false, append: options.append ?? false, fsync: options.fsync ?? false, flushIntervalMs: options.flushIntervalMs ?? 1000, onError: onWriteError })
    : undefined;
  let events: EventsWriter | undefined;
  try {
    events = options.output ? new EventsWriter(eventsPathFor(options.output), { append: options.append ?? false }) : undefined;
  } catch (error) {
    writer?.close();
    throw error;
  }

  const summary: TraceSummary = { received: 0, written: 0, retainedSkipped: 0, excluded: 0, reconnects: 0, sessionsLost: 0, durationMs: 0, stoppedBy: 'signal' };
  if (writer) summary.output = writer.path;
  if (events) summary.eventsPath = events.path;
  const startedAt = clock.now();

  let stopping = false;
  let stopReason: TraceStopReason | undefined;
  let fatal: unknown;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = (reason: TraceStopReason): void => {
    if (stopping) return;
    stopping = true;
    stopReason = reason;
    // Rows go to disk before anything else: the connection may take a moment to close. Then
    // the acknowledgements of those rows, so the next session does not get them again.
    try {
      if (acks) acks.release();
      else writer?.flush();
    } catch (error) {
      fatal ??= error;
    }
    wake();
  };
  const fail = (error: unknown): void => {
    fatal ??= error;
    stop('signal');
  };

  let connected = false;
  const emit = (event: ConnectionEvent): void => {
    if (event.event === 'connect') {
      if (connected) summary.reconnects++;
      connected = true;
    }
    if (event.event === 'session_lost') summary.sessionsLost++;
    try {
      events?.write(event);
    } catch (error) {
      fail(error);
    }
    options.onEvent?.(event);
  };
  const event = (kind: ConnectionEvent['event'], detail?: string): void => emit({ at: clock.now(), source: 'trace', event: kind, ...(detail === undefined ? {} : { detail }) });

  // --- receiving -----------------------------------------------------------------------------
  const stamps = new WeakMap<object, number>();
  // QoS 2 packet ids recorded at PUBLISH whose PUBREL has not come yet: a resent PUBLISH
  // (our PUBREC lost in a broker restart) is the same message and is not recorded twice.
  const recordedQos2 = new Set<number>();
  let qos2Drained: (() => void) | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let lastActivity = 0;
  // One timer, not one per message: arrivals only note the time, and the timer, when it fires,
  // stops or waits again for what is left of the quiet spell (re-arming cost ~5% of a drain).
  const onIdleTimer = (): void => {
    idleTimer = undefined;
    if (stopping || options.idleMs === undefined) return;
    const left = lastActivity + options.idleMs - performance.now();
    if (left <= 0) stop('idle');
    else idleTimer = setTimeout(onIdleTimer, left);
  };
  const armIdle = (): void => {
    if (options.idleMs === undefined || stopping) return;
    lastActivity = performance.now();
    idleTimer ??= setTimeout(onIdleTimer, options.idleMs);
  };

  /**
   * Records one message, then calls done (which acknowledges it). Once stopping, nothing more is
   * recorded, so refuse: no acknowledgement, the broker keeps it for the session's next connection,
   * and MQTT.js moves on so the connection can close.
   */
  const accept = (packet: IPublishPacket, done: () => void, refuse: () => void): void => {
    if (stopping) {
      refuse();
      return;
    }
    armIdle(); // any arrival counts as activity, recorded or filtered out
    const receivedAt = stamps.get(packet) ?? clock.now();
    if (exclude.length > 0 && anyFilterMatches(exclude, packet.topic)) {
      summary.excluded++;
      done();
      return;
    }
    if (options.skipRetained && packet.retain) {
      summary.retainedSkipped++;
      done();
      return;
    }
    const message = toLineMessage(packet, receivedAt);
    const userProperties = packet.properties?.userProperties;
    const record = toTraceRecord({ topic: packet.topic, payload: message.payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, ...(userProperties ? { userProperties } : {}) }, receivedAt);
    try {
      writer?.write(record);
      // Acknowledged only once the row is in the file (the kernel's: a SIGKILL cannot lose it),
      // so a restart of a persistent session continues without a gap. The flush happens when the
      // held acknowledgements are released (see holdAcks), once per burst of packets rather than
      // once per row; a failed write (a full disk) throws there and nothing held is sent.
      if (packet.qos > 0 && !acks) writer?.flush();
    } catch (error) {
      fail(error);
      return;
    }
    summary.received++;
    // From here the row is ours: a resend of this QoS 2 packet id is a duplicate, even if it
    // comes before we got round to PUBREC (onMessage holding it, a reconnect in between).
    if (packet.qos === 2 && packet.messageId !== undefined) recordedQos2.add(packet.messageId);
    const finish = (): void => {
      done();
      if (options.count !== undefined && summary.received >= options.count) stop('count');
    };
    let pending: void | Promise<void>;
    try {
      pending = options.onMessage?.(record, message);
    } catch (error) {
      fail(error);
      return;
    }
    if (pending && typeof pending.then === 'function') pending.then(finish, fail);
    else finish();
  };

  const handleMessage: PublishHandler = (packet, done) => {
    if (packet.qos === 2 && packet.messageId !== undefined && recordedQos2.delete(packet.messageId)) {
      done(); // recorded at PUBLISH: this is the PUBREL, complete the handshake
      if (recordedQos2.size === 0) qos2Drained?.();
      return;
    }
    accept(
      packet,
      () => done(),
      () => done(packet.qos === 0 ? undefined : new Error('trace stopping: not recorded, not acknowledged')),
    );
  };
  const customHandleAcks = (_topic: string, _message: Buffer, packet: IPublishPacket, done: (error: Error | number | null, code?: number) => void): void => {
    if (packet.qos !== 2 || packet.messageId === undefined) {
      done(null, 0);
      return;
    }
    if (recordedQos2.has(packet.messageId)) {
      done(null, 0); // a resend of what we already recorded
      return;
    }
    const id = packet.messageId;
    accept(
      packet,
      () => {
        // Also for messages skipped on purpose (-T, --no-retained): PUBREL must not bring them back.
        recordedQos2.add(id);
        done(null, 0);
      },
      () => done(new Error(`trace stopping: QoS 2 message ${id} not recorded, not acknowledged (the broker will resend it)`)),
    );
  };

  let sessionPresent = false;
  let subscribed = false;
  let acks: HeldAcks | undefined;
  const attach = (client: MqttClient): void => {
    const c = client as unknown as { handleMessage: PublishHandler; options: { customHandleAcks: typeof customHandleAcks } };
    c.handleMessage = handleMessage;
    c.options.customHandleAcks = customHandleAcks;
    if (writer) {
      acks = holdAcks(client, () => writer.flush(), fail);
    }
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'publish') stamps.set(packet, clock.now());
      else if (packet.cmd === 'connack') {
        // A refused CONNACK says nothing about the session (its flag is always 0): keep what we know.
        if ((packet.returnCode ?? packet.reasonCode ?? 0) !== 0) return;
        sessionPresent = packet.sessionPresent;
        // The broker forgot our packet ids along with the session.
        if (!sessionPresent) recordedQos2.clear();
      }
    });
  };

  let claimed: MqttClient | undefined;

  const onAbort = (): void => {
    if (!connection) claimed?.end(true);
    stop('signal');
  };
  let connection: MqttConnection | undefined;
  signal?.addEventListener('abort', onAbort, { once: true });
  let durationTimer: NodeJS.Timeout | undefined;
  try {
    if (signal?.aborted) stop('signal');
    else {
      // attach() runs before any packet is read: a persistent session's queued messages, handed
      // over before openConnection() resolves, are recorded before they are acknowledged.
      const opening = openConnection(connectionOptions, {
        source: 'trace',
        onEvent: emit,
        clock,
        onClient: (client) => {
          claimed = client;
          attach(client);
        },
      });
      // Ctrl+C while the broker is still unreachable stops at once; a late connection is closed.
      opening.then(
        (late) => {
          // After the race below has settled: adopted, or stopped first and to be closed.
          setImmediate(() => {
            if (connection !== late) void late.end(true);
          });
        },
        () => {},
      );
      connection = await Promise.race([opening, stopped.then(() => undefined)]);
    }
    if (connection && !stopping) {
      const client = connection.client;
      const subscribe = (): Promise<ISubscriptionGrant[]> =>
        new Promise((resolve, reject) => {
          const map = Object.fromEntries(filters.map((f) => [f.filter, { qos: options.qos }]));
          client.subscribe(map, (error, granted) => (error ? reject(error) : resolve(granted ?? [])));
        });
      const describe = (granted: ISubscriptionGrant[]): string => granted.map((g) => `${g.topic} q${g.qos}`).join(' ');
      // Reconnects resume the session when the broker kept it; only a lost one needs SUBSCRIBE again.
      client.on('connect', () => {
        if (!subscribed || sessionPresent || stopping) return;
        subscribe().then(
          (granted) => event('subscribe', `resubscribed after a lost session: ${describe(granted)}`),
          (error: Error) => event('error', `resubscribe failed: ${error.message}`),
        );
      });
      const granted = await Promise.race([subscribe(), stopped.then(() => undefined)]);
      if (granted) {
        const refused = granted.filter((g) => g.qos >= 0x80);
        if (refused.length === granted.length) {
          throw new SensortraceError(`broker refused the subscription to ${refused.map((g) => g.topic).join(', ')} (SUBACK reason ${refused[0]?.qos})`, 'E_BROKER');
        }
        subscribed = true;
        event('subscribe', describe(granted) + (refused.length ? ` (refused: ${refused.map((g) => g.topic).join(', ')})` : ''));
        armIdle();
        if (options.durationMs !== undefined) durationTimer = setTimeout(() => stop('duration'), options.durationMs);
        options.onReady?.();
        await stopped;
      }
    }
  } catch (error) {
    fatal ??= error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopping = true;
    if (idleTimer) clearTimeout(idleTimer);
    if (durationTimer) clearTimeout(durationTimer);
    try {
      writer?.close();
    } catch (error) {
      fatal ??= error;
    }
    if (connection) {
      if (recordedQos2.size > 0 && connection.client.connected) {
        // Let recorded QoS 2 messages finish PUBREL/PUBCOMP, or the broker would send them again next session.
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          qos2Drained = resolve;
          timer = setTimeout(resolve, 1000);
        });
        clearTimeout(timer);
      }
      let ended = false;
      const end = connection.end(false).then(() => (ended = true));
      let timer: NodeJS.Timeout | undefined;
      // A broker that is down right now must not keep a stopping tracer waiting.
      await Promise.race([end, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      if (!ended) await connection.end(true);
    }
    summary.stoppedBy = stopReason ?? 'signal';
    summary.durationMs = clock.now() - startedAt;
    summary.written = writer?.rowsWritten ?? 0;
    if (connection) event('close', `stopped by ${summary.stoppedBy}: ${summary.received} recorded`);
    try {
      events?.close();
    } catch (error) {
      fatal ??= error;
    }
  }
  if (fatal !== undefined) {
    // Never connected: leave no empty trace behind that could pass for "nothing arrived".
    if (!connection && !options.append) {
      for (const path of [writer?.path, events?.path]) if (path) rmSync(path, { force: true });
    }
    throw fatal;
  }
  return summary;
}
