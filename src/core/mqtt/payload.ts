/**
 * The payloads the replayer writes and every reader decodes (trace, process, compare).
 * - plain: the tutorial's `"<epoch seconds> <value>"`, e.g. `1266193804 32`
 * - json:  `{"seq":1,"sensor":"hdd0","time":<epoch ms>,"value":32,"sent_at":<epoch ms>}`
 * - value: the bare number, e.g. `32`
 * With MQTT 5, seq/sensor/time/sent_at also travel as user properties, so even a bare value can
 * be matched to what was sent.
 */

export type PayloadFormat = 'plain' | 'json' | 'value';
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = ['plain', 'json', 'value'];

export interface Reading {
  seq: number;
  sensor: string;
  /** Epoch ms of the reading. */
  time: number;
  value: number;
}

/** Shortest decimal text for a number (no exponent for ordinary values, no trailing zeros). */
export function formatNumber(value: number, maxDecimals = 6): string {
  if (Number.isInteger(value)) return String(value);
  // Fast path (replay encodes one per message): JavaScript's shortest round-trip text is what
  // rounding to maxDecimals and trimming zeros gives whenever it has no more decimals than that
  // and the magnitude keeps the double's error far below the last decimal kept.
  if (Math.abs(value) < 1e9) {
    const shortest = String(value);
    const dot = shortest.indexOf('.');
    if (dot >= 0 && shortest.length - dot - 1 <= maxDecimals && !shortest.includes('e')) return shortest;
  }
  const fixed = value.toFixed(maxDecimals).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

export function encodeReading(format: PayloadFormat, reading: Reading, sentAt: number): string {
  switch (format) {
    case 'plain':
      return `${formatNumber(reading.time / 1000, 3)} ${formatNumber(reading.value)}`;
    case 'value':
      return formatNumber(reading.value);
    case 'json':
      return JSON.stringify({ seq: reading.seq, sensor: reading.sensor, time: reading.time, value: reading.value, sent_at: Number(sentAt.toFixed(3)) });
  }
}

export function userPropertiesFor(reading: Reading, sentAt: number): Record<string, string> {
  return { seq: String(reading.seq), sensor: reading.sensor, time: String(reading.time), sent_at: sentAt.toFixed(3) };
}

export interface DecodedPayload {
  seq?: number;
  sensor?: string;
  /** Epoch ms. */
  time?: number;
  value?: number;
  /** Epoch ms at which the publisher sent it. */
  sentAt?: number;
  format?: PayloadFormat;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function finite(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER.test(value.trim()) ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Epoch seconds below ~year 5138 in seconds; anything larger is already milliseconds.
 * Seconds are scaled through microseconds so `1700000000.93` gives exactly `1700000000930`,
 * not the float product's `...930.0002`.
 */
function epochToMs(value: number): number {
  return Math.abs(value) >= 1e11 ? value : Math.round(value * 1e6) / 1e3;
}

/** A payload over this many bytes (or characters) is not looked into: a reading is a few dozen bytes. */
export const MAX_DECODED_PAYLOAD_BYTES = 65_536;

/**
 * Reads whatever can be read from a payload; never throws. Unknown payloads decode to {}
 * (the raw bytes are still recorded by the caller).
 */
export function decodeReading(payload: Buffer | string, userProperties?: Record<string, string | string[]>): DecodedPayload {
  // A reading is a few dozen bytes (JSON under 64 KiB): a bigger payload is not decoded as text at
  // all, which for a payload of hundreds of megabytes saves a string twice its size and a split.
  const text = payload.length > MAX_DECODED_PAYLOAD_BYTES ? '' : (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
  const out: DecodedPayload = {};
  if (text.startsWith('{') && text.length < MAX_DECODED_PAYLOAD_BYTES) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const o = parsed as Record<string, unknown>;
        const value = finite(o.value ?? o.temperature ?? o.temp);
        if (value !== undefined) out.value = value;
        const seq = finite(o.seq);
        if (seq !== undefined && Number.isInteger(seq)) out.seq = seq;
        if (typeof o.sensor === 'string') out.sensor = o.sensor;
        const time = finite(o.time ?? o.timestamp ?? o.ts);
        if (time !== undefined) out.time = epochToMs(time);
        const sentAt = finite(o.sent_at);
        if (sentAt !== undefined) out.sentAt = sentAt;
        out.format = 'json';
      }
    } catch {
      // not JSON after all: fall through to raw
    }
  } else {
    const parts = text.split(/\s+/);
    if (parts.length === 2 && NUMBER.test(parts[0]!) && NUMBER.test(parts[1]!)) {
      out.time = epochToMs(Number(parts[0]));
      out.value = Number(parts[1]);
      out.format = 'plain';
    } else if (parts.length === 1 && NUMBER.test(text)) {
      out.value = Number(text);
      out.format = 'value';
    }
  }
  if (userProperties) {
    const prop = (name: string): string | undefined => {
      const v = userProperties[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const seq = finite(prop('seq'));
    if (seq !== undefined && Number.isInteger(seq)) out.seq = seq;
    const sensor = prop('sensor');
    if (sensor !== undefined) out.sensor = sensor;
    const time = finite(prop('time'));
    if (time !== undefined) out.time = time;
    const sentAt = finite(prop('sent_at'));
    if (sentAt !== undefined) out.sentAt = sentAt;
  }
  return out;
}
