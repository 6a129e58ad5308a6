import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvParser } from '../../../src/core/csv/csv.js';
import { encodeReading, userPropertiesFor } from '../../../src/core/mqtt/payload.js';
import { TRACE_COLUMNS } from '../../../src/core/records.js';
import { parseTraceCells, toTraceRecord, traceColumnIndex, traceCsvHeader, traceCsvLine, traceJsonLine } from '../../../src/core/trace/trace-row.js';

// Pure tests of src/core/trace-row.ts (kept under test/app/trace* with the rest of the trace suite).

const parse = (text: string): string[][] => {
  const parser = new CsvParser();
  return parser.feed(text).map((r) => r.cells);
};
const base = { topic: 'sensors/hdd0/temp', qos: 1 as const, retain: false, dup: false };

describe('toTraceRecord', () => {
  const reading = { seq: 12, sensor: 'hdd0', time: 1_266_193_804_000, value: 32.5 };

  it('decodes the json payload and computes latency from sent_at', () => {
    const payload = Buffer.from(encodeReading('json', reading, 1_700_000_000_100.25));
    const record = toTraceRecord({ ...base, payload }, 1_700_000_000_103.75);
    expect(record).toMatchObject({ seq: 12, sensor: 'hdd0', profileTime: 1_266_193_804_000, value: 32.5, publishedAt: 1_700_000_000_100.25, latencyMs: 3.5 });
  });

  it('decodes the plain "<epoch s> <value>" payload (no seq, no latency)', () => {
    const record = toTraceRecord({ ...base, payload: Buffer.from('1266193804 32') }, 5);
    expect(record).toMatchObject({ profileTime: 1_266_193_804_000, value: 32 });
    expect(record.seq).toBeUndefined();
    expect(record.latencyMs).toBeUndefined();
  });

  it('takes seq/sensor/time/sent_at from MQTT 5 user properties for a bare value', () => {
    const record = toTraceRecord({ ...base, payload: Buffer.from('32.5'), userProperties: userPropertiesFor(reading, 1000) }, 1002);
    expect(record).toMatchObject({ seq: 12, sensor: 'hdd0', profileTime: 1_266_193_804_000, value: 32.5, publishedAt: 1000, latencyMs: 2 });
  });

  it('records anything else raw with empty decoded fields', () => {
    const record = toTraceRecord({ ...base, payload: Buffer.from('hello world again') }, 1);
    const cells = parse(traceCsvLine(record))[0]!;
    expect(cells.slice(6)).toEqual(['', '', '', '', '', '']);
  });
});

describe('trace CSV rows', () => {
  it('has the TRACE_COLUMNS header', () => {
    expect(traceCsvHeader()).toBe(`${TRACE_COLUMNS.join(',')}\n`);
  });

  it('writes times with 3 decimals and flags as 1/0', () => {
    const record = toTraceRecord({ ...base, retain: true, dup: true, payload: Buffer.from('{"seq":1,"value":2,"sent_at":10}') }, 12.3456);
    expect(traceCsvLine(record)).toBe('12.346,sensors/hdd0/temp,1,1,1,"{""seq"":1,""value"":2,""sent_at"":10}",1,,,2,10.000,2.346\n');
  });

  it.each([
    ['comma and quotes', Buffer.from('a,"b",c')],
    ['newlines', Buffer.from('line1\nline2\r\nline3')],
    ['a formula', Buffer.from('=HYPERLINK("http://x")')],
    ['an escaped-looking formula', Buffer.from("'=1+1")],
    ['binary bytes', Buffer.from([0, 1, 2, 255, 254, 10, 44])],
    ['text that starts with base64:', Buffer.from('base64:hello')],
    ['an empty payload', Buffer.alloc(0)],
  ])('round-trips a payload with %s', (_name, payload) => {
    const line = traceCsvLine(toTraceRecord({ ...base, topic: 'odd,topic\n=x', payload }, 1));
    const rows = parse(traceCsvHeader() + line);
    expect(rows).toHaveLength(2);
    const back = parseTraceCells(rows[1]!, traceColumnIndex(rows[0]!, 't.csv'), { file: 't.csv', line: 2 });
    expect(back.payload.equals(payload)).toBe(true);
    expect(back.topic).toBe('odd,topic\n=x');
  });

  it('escapes cells that would start a spreadsheet formula', () => {
    const line = traceCsvLine(toTraceRecord({ ...base, payload: Buffer.from('=cmd|calc') }, 1));
    expect(parse(line)[0]![5]).toBe("'=cmd|calc");
  });

  it('round-trips any bytes (property)', () => {
    const index = traceColumnIndex([...TRACE_COLUMNS], 't.csv');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ maxLength: 20 }), (bytes, topic) => {
        const payload = Buffer.from(bytes);
        const rows = parse(traceCsvLine(toTraceRecord({ ...base, topic: topic || 't', payload }, 1)));
        expect(rows).toHaveLength(1);
        expect(parseTraceCells(rows[0]!, index, { file: 't.csv', line: 2 }).payload.equals(payload)).toBe(true);
      }),
    );
  });

  it('reports a file without trace columns as an input error', () => {
    expect(() => traceColumnIndex(['a', 'b'], 'x.csv')).toThrow(/x\.csv:1: not a trace file: no "received_at" column/);
  });
});

describe('trace JSON lines', () => {
  it('uses the CSV column names and leaves out what is unknown', () => {
    const record = toTraceRecord({ ...base, payload: Buffer.from([0xff, 0x00]) }, 1.5);
    expect(JSON.parse(traceJsonLine(record))).toEqual({ received_at: 1.5, topic: 'sensors/hdd0/temp', qos: 1, retain: false, dup: false, payload: 'base64:/wA=' });
  });
});
