import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeReading, encodeReading, formatNumber, userPropertiesFor, type Reading } from '../../../src/core/mqtt/payload.js';

const reading: Reading = { seq: 7, sensor: 'hdd0', time: 1266193804000, value: 32.5 };

describe('payload formats', () => {
  it.each([
    ['plain', '1266193804 32.5'],
    ['value', '32.5'],
    ['json', '{"seq":7,"sensor":"hdd0","time":1266193804000,"value":32.5,"sent_at":1700000000000.125}'],
  ] as const)('encodes %s as the tutorial expects', (format, expected) => {
    expect(encodeReading(format, reading, 1700000000000.125)).toBe(expected);
  });

  it('keeps sub-second profile times in plain payloads', () => {
    expect(encodeReading('plain', { ...reading, time: 1266193804250 }, 0)).toBe('1266193804.25 32.5');
  });

  it.each([
    ['1266193804 32', { time: 1266193804000, value: 32, format: 'plain' }],
    ['1266193804250 32', { time: 1266193804250, value: 32, format: 'plain' }],
    [' 21.5\n', { value: 21.5, format: 'value' }],
    ['-4e1', { value: -40, format: 'value' }],
    ['{"value": 3, "sensor": "a", "seq": 2, "time": 1266193804}', { value: 3, sensor: 'a', seq: 2, time: 1266193804000, format: 'json' }],
    ['on', {}],
    ['{not json', {}],
    ['1 2 3', {}],
    ['{"value": "x"}', { format: 'json' }],
  ])('decodes %j', (payload, expected) => {
    expect(decodeReading(Buffer.from(payload))).toEqual(expected);
  });

  it('fills a bare value from MQTT 5 user properties', () => {
    const decoded = decodeReading('32.5', userPropertiesFor(reading, 1700000000000.5));
    expect(decoded).toEqual({ value: 32.5, format: 'value', seq: 7, sensor: 'hdd0', time: 1266193804000, sentAt: 1700000000000.5 });
  });

  it('round-trips every format for any finite reading', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 946684800000, max: 4102444800000 }), (seq, value, time) => {
        const r: Reading = { seq, sensor: 's', time, value: Number(formatNumber(value)) };
        const json = decodeReading(encodeReading('json', r, 5));
        expect(json).toMatchObject({ seq, value: r.value, time });
        const plain = decodeReading(encodeReading('plain', r, 5));
        expect(plain.value).toBe(r.value);
        expect(plain.time).toBe(time);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void decodeReading(Buffer.from(bytes))));
  });
});
