import type { MqttClient } from 'mqtt';

/** Frames are packed into slabs of this size; a burst is one socket write of the slab's filled part. */
const SLAB_BYTES = 64 * 1024;
/** Topics and payloads up to this many characters are copied in JavaScript (no call into C++). */
const SHORT_TEXT = 64;

/**
 * QoS 0 PUBLISH frames (MQTT 3.1 / 3.1.1: no properties, no packet id) built here and written in
 * bursts: every frame of a burst goes out in one write on the client's socket (`client.stream`,
 * MQTT.js's public property) instead of one packet object, one encoder pass and several small
 * writes per message.
 *
 * It stays consistent with MQTT.js because a QoS 0 PUBLISH carries no state: no packet id, nothing
 * MQTT.js keeps for it. Order with MQTT.js's own packets is kept: the pending burst is written
 * before any packet MQTT.js sends ('packetsend' is emitted just before MQTT.js writes), else at
 * the next tick, as MQTT.js's own writes are (it corks the socket until the next tick).
 *
 * `done` means what MQTT.js's QoS 0 callback means: handed to the socket (at once, unless the
 * socket asked to wait for 'drain'; then at 'drain'). A connection lost before that never calls it.
 * With flushAt 'immediate' it is called when the burst is written, or with an error (see the constructor).
 */
export class Qos0Frames {
  private slab = Buffer.allocUnsafe(SLAB_BYTES);
  /** Where the pending burst starts and ends in the slab. */
  private start = 0;
  private end = 0;
  /** The socket the pending burst is for (a reconnect brings a new one; a burst never crosses). */
  private stream: MqttClient['stream'] | undefined;
  private flushScheduled = false;
  private readonly waitingForDrain: (() => void)[] = [];
  private drainStream: MqttClient['stream'] | undefined;
  private readonly topicBytes = new Map<string, Buffer>();
  private readonly flushNow = (): void => this.flush();
  private readonly schedule: (flush: () => void) => void;
  /** flushAt 'immediate': the `done` of each frame of the pending burst, called when the burst is written (or lost). */
  private readonly burstDone: Array<(error?: Error) => void> | undefined;

  /**
   * `flushAt`: when a burst that nothing else flushed is written. 'tick' (the default): at the
   * next tick, as MQTT.js's own writes. 'immediate': once the event loop has run everything the
   * last socket read started (setImmediate) — a processor answering messages that MQTT.js hands
   * over one per tick would otherwise write once per message. Since the frames then wait a
   * while, each `done` is called when its burst is handed to the socket, or with an error when
   * the socket was gone by then.
   */
  constructor(
    private readonly client: MqttClient,
    options: { flushAt?: 'tick' | 'immediate' } = {},
  ) {
    const immediate = options.flushAt === 'immediate';
    this.schedule = immediate ? (flush) => void setImmediate(flush) : (flush) => process.nextTick(flush);
    if (immediate) this.burstDone = [];
    client.on('packetsend', this.flushNow);
  }

  /** Stops following the client (pending frames are written first). */
  detach(): void {
    this.flush();
    this.client.removeListener('packetsend', this.flushNow);
  }

  publish(topic: string, payload: string, retain: boolean, done: (error?: Error) => void): void {
    const stream = this.client.stream;
    if (stream !== this.stream) {
      this.flush();
      this.stream = stream;
    }
    const topicBuffer = this.topicBuffer(topic);
    // Short ASCII payloads (the usual reading) are copied char by char: cheaper than two calls into C++.
    const ascii = payload.length <= SHORT_TEXT && isAscii(payload);
    const payloadLength = ascii ? payload.length : Buffer.byteLength(payload);
    const remaining = 2 + topicBuffer.length + payloadLength;
    const size = 1 + lengthBytes(remaining) + remaining;
    if (this.end + size > this.slab.length) {
      this.flush();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size));
      this.start = 0;
      this.end = 0;
    }
    const slab = this.slab;
    let at = this.end;
    slab[at++] = retain ? 0x31 : 0x30;
    let left = remaining;
    do {
      let byte = left % 128;
      left = Math.floor(left / 128);
      if (left > 0) byte |= 0x80;
      slab[at++] = byte;
    } while (left > 0);
    slab[at++] = topicBuffer.length >> 8;
    slab[at++] = topicBuffer.length & 0xff;
    if (topicBuffer.length <= SHORT_TEXT) for (let i = 0; i < topicBuffer.length; i++) slab[at++] = topicBuffer[i]!;
    else at += topicBuffer.copy(slab, at);
    if (ascii) for (let i = 0; i < payload.length; i++) slab[at++] = payload.charCodeAt(i);
    else at += slab.write(payload, at, 'utf8');
    this.end = at;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(this.flushNow);
    }
    if (this.burstDone) this.burstDone.push(done);
    else if (stream.writableNeedDrain) this.afterDrain(stream, done);
    else done();
  }

  /** Writes the pending burst, if its socket still takes writes (else it is lost with the connection). */
  flush(): void {
    this.flushScheduled = false;
    if (this.end === this.start) return;
    const burst = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    const stream = this.stream;
    const written = stream !== undefined && !stream.destroyed && stream.writable;
    if (written) stream.write(burst);
    if (!this.burstDone?.length) return;
    const callbacks = this.burstDone.splice(0);
    const lost = written ? undefined : new Error('the connection closed before the QoS 0 message was written');
    for (const callback of callbacks) callback(lost);
  }

  private afterDrain(stream: MqttClient['stream'], done: () => void): void {
    this.waitingForDrain.push(done);
    if (this.drainStream === stream) return;
    this.drainStream = stream;
    stream.once('drain', () => {
      this.drainStream = undefined;
      // Only the callbacks of this socket: a newer one starts its own list.
      for (const callback of this.waitingForDrain.splice(0)) callback();
    });
    // A socket that closes first never drains: its callbacks are never called (the caller counts them lost).
    stream.once('close', () => {
      if (this.drainStream !== stream) return;
      this.drainStream = undefined;
      this.waitingForDrain.length = 0;
    });
  }

  private topicBuffer(topic: string): Buffer {
    let bytes = this.topicBytes.get(topic);
    if (bytes === undefined) {
      bytes = Buffer.from(topic, 'utf8');
      if (this.topicBytes.size < 10_000) this.topicBytes.set(topic, bytes);
    }
    return bytes;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function lengthBytes(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}
