import { devNull } from 'node:os';
import { Duplex } from 'node:stream';
import { MqttClient } from 'mqtt';
import type { Qos } from '../../core/records.js';
import { Qos2Dedupe } from '../../core/trace/qos2-dedupe.js';
import { StopLatch } from '../../core/trace/stop-latch.js';
import { TraceTally, type TraceStopReason } from '../../core/trace/trace-tally.js';
import { systemClock } from '../../io/clock.js';
import { TraceWriter } from '../../io/logs/trace-writer.js';
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
 * So the same code runs first on synthetic messages: an MQTT.js client of the same protocol
 * version on an in-memory stream, a fake broker on the other end (CONNACK, PUBLISH, PUBREL), a
 * Recorder of its own with a TraceWriter on the null device. Nothing of it touches the real
 * connection, the trace file or the tally; it costs a fraction of a second at start.
 */
export const WARM_UP_MESSAGES = 3000;
/** Longest a warm-up may take (it takes a fraction of this). */
const WARM_UP_LIMIT_MS = 3000;

const TOPIC = Buffer.from('sensortrace/warm-up');

export interface WarmUpOptions {
  qos: Qos;
  protocolVersion: 4 | 5;
  jsonl: boolean;
  messages?: number;
}

/** Runs `messages` synthetic messages through MQTT.js and a Recorder; resolves with how many were recorded. */
export async function warmUp(options: WarmUpOptions): Promise<number> {
  const messages = options.messages ?? WARM_UP_MESSAGES;
  const latch = new StopLatch<TraceStopReason>('signal');
  const tally = new TraceTally();
  const writer = new TraceWriter(devNull, { jsonl: options.jsonl, flushIntervalMs: 60_000 });
  const recorder = new Recorder({ clock: systemClock, latch, tally, dedupe: new Qos2Dedupe(), rules: { exclude: [], skipRetained: false }, writer, count: messages });
  latch.onStop(() => recorder.flushAndRelease());
  const broker = new FakeBroker(options.qos, options.protocolVersion, messages);
  const client = new MqttClient(() => broker.stream, {
    protocolVersion: options.protocolVersion,
    clientId: 'sensortrace-warm-up',
    keepalive: 0,
    reconnectPeriod: 0,
    log: () => {},
    ...ackHandlerOption(recorder.handleAcks),
  });
  recorder.attach(client);
  // A warm-up that went wrong must never keep the tracer from starting.
  let cancel: (() => void) | undefined;
  const limit = new Promise<void>((resolve) => (cancel = systemClock.setTimer(systemClock.now() + WARM_UP_LIMIT_MS, resolve)));
  try {
    await Promise.race([limit, latch.stopped.then(() => (options.qos === 2 ? broker.done : undefined))]);
  } finally {
    cancel?.();
    recorder.flushAndRelease();
    client.end(true);
    writer.close();
  }
  return tally.received;
}

/** The broker end of the in-memory stream: answers CONNECT, sends the messages, completes QoS 2 (done at the last PUBCOMP). */
class FakeBroker {
  readonly stream: Duplex;
  readonly done: Promise<void>;
  private finish!: () => void;
  private pending = Buffer.alloc(0);
  private completed = 0;

  constructor(
    private readonly qos: Qos,
    private readonly version: 4 | 5,
    private readonly messages: number,
  ) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.stream = new Duplex({
      read: () => {},
      write: (chunk: Buffer, _encoding, callback) => {
        this.received(chunk);
        callback();
      },
    });
  }

  /** Packets from the client: whole ones are handled, a partial one waits for the rest. */
  private received(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const packet = nextPacket(data);
      if (!packet) break;
      this.handle(packet.type, packet.body);
      data = data.subarray(packet.size);
    }
    this.pending = Buffer.from(data);
  }

  private handle(type: number, body: Buffer): void {
    if (type === 1) {
      // CONNECT → CONNACK (MQTT 5: with an empty property list), then every message at once.
      this.stream.push(Buffer.from(this.version === 5 ? [0x20, 3, 0, 0, 0] : [0x20, 2, 0, 0]));
      for (let id = 1; id <= this.messages; id += 100) this.stream.push(this.publishes(id, Math.min(this.messages, id + 99)));
    } else if (type === 5) {
      this.stream.push(Buffer.from([0x62, 2, body[0]!, body[1]!])); // PUBREC → PUBREL
    } else if (type === 7) {
      if (++this.completed === this.messages) this.finish(); // the last PUBCOMP
    }
  }

  /** PUBLISH packets for ids first..last, payloads in sensortrace's plain format. */
  private publishes(first: number, last: number): Buffer {
    const parts: Buffer[] = [];
    for (let id = first; id <= last; id++) {
      const payload = Buffer.from(`${1_700_000_000 + id} ${(20 + (id % 50) / 10).toFixed(2)}`);
      const idBytes = this.qos > 0 ? [id >> 8, id & 0xff] : [];
      const properties = this.version === 5 ? [0] : [];
      const length = 2 + TOPIC.length + idBytes.length + properties.length + payload.length;
      parts.push(Buffer.from([0x30 | (this.qos << 1), length, 0, TOPIC.length]), TOPIC, Buffer.from([...idBytes, ...properties]), payload);
    }
    return Buffer.concat(parts);
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
