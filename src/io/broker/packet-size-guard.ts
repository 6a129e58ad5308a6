/**
 * A maximum MQTT packet size for the embedded broker, which aedes does not have: its parser
 * buffers a packet until all of it has arrived, so one client declaring a 256 MiB PUBLISH (and
 * sending it slowly, or never) grew the broker by that much; six such clients took 1.75 GB.
 *
 * The guard reads each packet's fixed header (type byte, then the remaining length in 1–4
 * bytes) as the bytes go to aedes and closes the connection as soon as a declared length is over
 * the limit: the broker then holds at most one read chunk of it. MQTT 3.1.1 has no way to say
 * why (MQTT 5's DISCONNECT 0x95 "Packet too large" does not exist there), so the socket is
 * closed, as Mosquitto does with `max_packet_size`.
 */
import type { Duplex } from 'node:stream';
import { optionError } from '../../core/errors.js';

/** The default limit on a packet's remaining length (docs/reliability.md): far above any sensor reading. */
export const DEFAULT_MAX_PACKET_BYTES = 16 * 1024 * 1024;

/** MQTT's own ceiling: the remaining length is at most 268 435 455 (four length bytes). */
export const MQTT_MAX_PACKET_BYTES = 268_435_455;

/**
 * Watches what aedes reads from `stream` and destroys the stream when a packet declares more
 * than `maxBytes` (or a length field runs over four bytes). Attach it right after
 * `aedes.handle(stream)`: aedes reads on 'readable', so this 'data' listener only sees each chunk
 * as aedes takes it and never changes the stream's flow.
 */
export function guardPacketSize(stream: Duplex, maxBytes: number, onRefused?: (declared: number) => void): void {
  let inLength = false;
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let skip = 0;
  const refuse = (declared: number): void => {
    onRefused?.(declared);
    stream.destroy();
  };
  stream.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (!inLength) {
        // The type byte; the remaining length follows.
        inLength = true;
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if (byte & 0x80) {
        if (lengthBytes === 4) return refuse(Number.POSITIVE_INFINITY);
        continue;
      }
      if (length > maxBytes) return refuse(length);
      inLength = false;
      skip = length;
    }
  });
}

/** The `-v` log line of a refusal. */
export function refusalText(who: string, declared: number, maxBytes: number): string {
  const what = Number.isFinite(declared) ? `a packet of ${declared} bytes, over the limit (${maxBytes})` : 'a malformed packet length';
  return `${who}: ${what}: connection closed`;
}

/** The limit as given (bytes), checked: 1 KiB up to MQTT's own ceiling. */
export function checkMaxPacketBytes(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 1024 || bytes > MQTT_MAX_PACKET_BYTES) {
    throw optionError('maxPacketBytes', `expected a whole number of bytes from 1024 to ${MQTT_MAX_PACKET_BYTES} (found ${bytes})`);
  }
  return bytes;
}
