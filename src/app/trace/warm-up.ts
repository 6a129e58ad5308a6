import { createServer, type Server, type Socket } from 'node:net';
import { devNull } from 'node:os';
import type { Qos } from '../../core/records.js';
import { Qos2Dedupe } from '../../core/trace/qos2-dedupe.js';
import { StopLatch } from '../../core/trace/stop-latch.js';
import { TraceTally, type TraceStopReason } from '../../core/trace/trace-tally.js';
import { systemClock } from '../../io/clock.js';
import { TraceWriter } from '../../io/logs/trace-writer.js';
import { openConnection, type ConnectionOptions, type MqttConnection } from '../../io/mqtt/connection.js';
import { ackHandlerOption } from '../../io/mqtt/mqttjs-internals.js';
import { Recorder } from './recorder.js';

/**
 * Warms the message path before the tracer subscribes. A cold Node process runs MQTT.js's parser
 * and handlers, the recorder and the CSV formatting in the interpreter for its first few thousand
 * messages, several times slower than once compiled (measured: the first 3000 messages of a live
 * burst cost ~400 ms of CPU, later ones ~15 µs each). A burst that starts right after the SUBACK
 * meets that slow start, and against a default Mosquitto (1000 queued per subscriber, 20 in
 * flight) the queue overflows and the broker drops messages mosquitto_sub gets.
 *
 * So the same code runs first on synthetic messages, built the way the real connection is: the
 * same openConnection() and client options (only the address, client id and credentials differ),
 * over a real loopback TCP socket to a fake broker in this process that keeps the same in-flight
 * window a default Mosquitto keeps (CONNACK, PUBLISH, PUBREL). V8 compiles code for the object
 * shapes it has seen: warmed on an in-memory stream, MQTT.js's parser and Node's socket writes
 * were thrown back to the interpreter ("wrong map") by the first real packet, in the middle of
 * the burst. A Recorder of its own writes to the null device; nothing of it touches the real
 * connection, the trace file or the tally. It costs a fraction of a second at start.
 */
export const WARM_UP_MESSAGES = 3000;
/** Longest a warm-up may take (it takes a fraction of this). */
const WARM_UP_LIMIT_MS = 3000;
/** QoS 1/2 messages the fake broker keeps unacknowledged: Mosquitto's default max_inflight_messages. */
const WINDOW = 20;

const TOPIC = Buffer.from('sensortrace/warm-up');

export interface WarmUpOptions {
  qos: Qos;
  protocolVersion: 4 | 5;
  jsonl: boolean;
  messages?: number;
  /** The real connection's options: the warm-up client is built from them (address, TLS, credentials, will and session aside). */
  connection?: ConnectionOptions;
  /** Settles when the tracer is stopped (Ctrl+C): the warm-up ends at once. */
  until?: Promise<unknown>;
}

/** Runs `messages` synthetic messages through MQTT.js and a Recorder; resolves with how many were recorded. */
export async function warmUp(options: WarmUpOptions): Promise<number> {
  const messages = options.messages ?? WARM_UP_MESSAGES;
  const latch = new StopLatch<TraceStopReason>('signal');
  const tally = new TraceTally();
  const writer = new TraceWriter(devNull, { jsonl: options.jsonl, flushIntervalMs: 60_000 });
  const recorder = new Recorder({ clock: systemClock, latch, tally, dedupe: new Qos2Dedupe(), rules: { exclude: [], skipRetained: false }, writer, count: messages });
  latch.onStop(() => recorder.flushAndRelease());
  // The window a default Mosquitto keeps: max_inflight_messages under 3.1.1, the Receive Maximum under 5.
  const window = options.protocolVersion === 5 ? (options.connection?.receiveMaximum ?? 65535) : WINDOW;
  const broker = new FakeBroker(options.qos, options.protocolVersion, messages, window);
  // A warm-up that went wrong must never keep the tracer from starting.
  let cancel: (() => void) | undefined;
  const timeUp = new Promise<void>((resolve) => (cancel = systemClock.setTimer(systemClock.now() + WARM_UP_LIMIT_MS, resolve)));
  const limit = options.until ? Promise.race([timeUp, options.until.then(noop, noop)]) : timeUp;
  let connection: MqttConnection | undefined;
  // Ended early (stopped, time up) before the CONNACK: the attempt ends too, leaving no timer behind.
  const attempt = new AbortController();
  try {
    const port = await broker.listen();
    const opening = openConnection(warmUpConnection(options, port), {
      source: 'trace',
      clientOptions: ackHandlerOption(recorder.handleAcks),
      onClient: (client) => recorder.attach(client),
      signal: attempt.signal,
    });
    opening.catch(() => {}); // the time limit may win the race: a late failure is no one's business
    connection = await Promise.race([opening, limit.then(() => undefined)]);
    if (connection) await Promise.race([limit, latch.stopped.then(() => (options.qos === 2 ? broker.done : undefined))]);
  } catch {
    // no warm-up then: the tracer starts cold
  } finally {
    cancel?.();
    attempt.abort();
    recorder.flushAndRelease();
    await connection?.end(true);
    broker.close();
    writer.close();
  }
  return tally.received;
}

const noop = (): void => {};

/** The real connection's settings, pointed at the fake broker: plain TCP, no credentials, will or session. */
function warmUpConnection(options: WarmUpOptions, port: number): ConnectionOptions {
  const real = options.connection ?? {};
  const { keepalive, receiveMaximum } = real;
  return {
    host: '127.0.0.1',
    port,
    clientId: 'sensortrace-warm-up',
    protocolVersion: options.protocolVersion,
    reconnectPeriodMs: 0,
    connectTimeoutMs: WARM_UP_LIMIT_MS,
    ...(keepalive === undefined ? {} : { keepalive }),
    ...(receiveMaximum === undefined ? {} : { receiveMaximum }),
  };
}

/** The broker end: answers CONNECT, sends the messages within its window, completes QoS 2 (done at the last PUBCOMP). */
class FakeBroker {
  readonly done: Promise<void>;
  private finish!: () => void;
  private readonly server: Server;
  private socket: Socket | undefined;
  private pending = Buffer.alloc(0);
  private sent = 0;
  private completed = 0;

  constructor(
    private readonly qos: Qos,
    private readonly version: 4 | 5,
    private readonly messages: number,
    private readonly window: number,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.server = createServer((socket) => {
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => this.received(chunk));
      socket.on('error', () => {});
    });
  }

  /** Listens on a free loopback port; resolves with it. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
  }

  /** Packets from the client: whole ones are handled, a partial one waits for the rest; the replies go in one write. */
  private received(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const replies: Buffer[] = [];
    for (;;) {
      const packet = nextPacket(data);
      if (!packet) break;
      this.handle(packet.type, packet.body, replies);
      data = data.subarray(packet.size);
    }
    this.pending = Buffer.from(data);
    if (replies.length) this.socket?.write(Buffer.concat(replies));
  }

  private handle(type: number, body: Buffer, replies: Buffer[]): void {
    if (type === 1) {
      // CONNECT → CONNACK (MQTT 5: with an empty property list), then the first window of messages.
      replies.push(Buffer.from(this.version === 5 ? [0x20, 3, 0, 0, 0] : [0x20, 2, 0, 0]));
      this.sendMore(this.qos === 0 ? this.messages : this.window, replies);
    } else if (type === 4) {
      this.sendMore(1, replies); // PUBACK frees a slot of the window
    } else if (type === 5) {
      replies.push(Buffer.from([0x62, 2, body[0]!, body[1]!])); // PUBREC → PUBREL
    } else if (type === 7) {
      this.sendMore(1, replies); // the PUBCOMP frees a slot
      if (++this.completed === this.messages) this.finish();
    }
  }

  /** Up to `n` more PUBLISH packets, payloads in sensortrace's plain format. */
  private sendMore(n: number, replies: Buffer[]): void {
    const last = Math.min(this.messages, this.sent + n);
    for (let id = this.sent + 1; id <= last; id++) {
      const payload = Buffer.from(`${1_700_000_000 + id} ${(20 + (id % 50) / 10).toFixed(2)}`);
      const packetId = ((id - 1) % 65535) + 1;
      const idBytes = this.qos > 0 ? [packetId >> 8, packetId & 0xff] : [];
      const properties = this.version === 5 ? [0] : [];
      const length = 2 + TOPIC.length + idBytes.length + properties.length + payload.length;
      replies.push(Buffer.from([0x30 | (this.qos << 1), length, 0, TOPIC.length]), TOPIC, Buffer.from([...idBytes, ...properties]), payload);
    }
    this.sent = last;
  }
}

/** The first whole MQTT packet in `data` (type, body, size in bytes), if there is one. */
function nextPacket(data: Buffer): { type: number; body: Buffer; size: number } | undefined {
  if (data.length < 2) return undefined;
  let length = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    if (at >= data.length) return undefined;
    const byte = data[at++]!;
    length += (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  if (data.length < at + length) return undefined;
  return { type: data[0]! >> 4, body: data.subarray(at, at + length), size: at + length };
}
