import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPasswordFile } from '../../src/app/broker/password-file.js';
import { isSensortraceError } from '../../src/core/errors.js';
import { parseScenario } from '../../src/core/scenario/scenario.js';
import { readSmallTextFile } from '../../src/io/input/input-file.js';
import { loadLookupTable } from '../../src/io/input/lookup-table.js';
import { inspectProfile } from '../../src/io/input/profile-reader.js';
import { loadRules } from '../../src/io/input/rules-loader.js';
import { readHeader, readSentTable, readProfileAsSent, isSentLogHeader } from '../../src/io/logs/sent-log-reader.js';
import { readSentLogState } from '../../src/io/logs/sent-log-writer.js';
import { readReceivedTable } from '../../src/io/logs/trace-reader.js';
import { TraceWriter } from '../../src/io/logs/trace-writer.js';
import { SENT_COLUMNS, TRACE_COLUMNS } from '../../src/core/records.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * Every reader of a file a user hands in, fed random bytes and random lines (binary, NUL, BOMs,
 * UTF-16, CR-only line ends, unclosed quotes, lines over the caps, numbers out of range): each
 * must end with a parse or a located SensortraceError (exit 2 material) — never another error
 * (a RangeError, a stack overflow) and never a hang (each case has a time budget).
 */

const dir = tempDir('sensortrace-hostile-prop-');
let fileNo = 0;

const hostileCell = fc.constantFrom('', '"', '""', '"a,b"', 'NaN', 'Infinity', '1e309', '-1e309', '9999999999999999', '2024-02-30T00:00:00Z', '1970-01-01T00:00:00', '275760-09-14T00:00:00Z', '0', '-0', '1700000000', '1700000000000', '#', '\u0000', '\ufeff', '\r', 'é', '&a', '*a', '{', '[', ': x', '- y', '{{value}}');
const line = fc.array(fc.oneof(hostileCell, fc.string({ maxLength: 8 }), fc.double().map(String)), { minLength: 1, maxLength: 5 }).chain((cells) => fc.constantFrom(',', ';', '\t', ' ', ': ').map((d) => cells.join(d)));
const ending = fc.constantFrom('\n', '\r\n', '\r');

/** The bytes of a hostile file: structured lines with a real header now and then, binary, encodings, long lines. */
function hostileFile(headers: readonly string[]): fc.Arbitrary<Buffer> {
  const lines = fc.tuple(fc.constantFrom('', ...headers), fc.array(line, { maxLength: 8 }), ending).map(([h, l, e]) => Buffer.from([h, ...l].filter((x, i) => i > 0 || x !== '').join(e)));
  return fc.oneof(
    { weight: 4, arbitrary: lines },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: lines.map((b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')])) },
    { weight: 1, arbitrary: lines.map((b) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b])) },
    // A line over the 1 MiB cap, here or after a header.
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('', ...headers.map((h) => `${h}\n`)), fc.constantFrom('x', ',', '"', ' ')).map(([h, c]) => Buffer.from(h + c.repeat(1024 * 1024 + 10) + '\n')) },
  );
}

/** Runs `read` on a file of `bytes`; passes on a result or a located SensortraceError, fails on anything else or after 5 s. */
async function readsSafely(bytes: Buffer, ext: string, read: (path: string) => Promise<unknown>): Promise<void> {
  const path = join(dir, `f${fileNo++}${ext}`);
  writeFileSync(path, bytes);
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within 5 s for ${path}`)), 5000)));
  try {
    await Promise.race([read(path), budget]);
  } catch (error) {
    expect(isSensortraceError(error), String((error as Error).stack)).toBe(true);
    expect(['E_INPUT', 'E_USAGE']).toContain((error as { code: string }).code);
    expect((error as Error).message).toMatch(/^\S/);
  } finally {
    clearTimeout(timer);
  }
}

const runs = { numRuns: 60 };

/** The readers, each as a path → promise; the header lines that get random files past the first checks. */
const readers: Array<[string, string, readonly string[], (path: string) => Promise<unknown>]> = [
  ['profile', '.csv', ['time,value', 'time,sensor,value', 'time;a;b'], async (p) => {
    const summary = await inspectProfile(p);
    // What --validate-only and profile inspect print: every accepted time is a printable date.
    if (!summary.relative) for (const t of [summary.firstTime, summary.lastTime]) new Date(t).toISOString();
  }],
  ['compare --sent (sent log or bare profile)', '.csv', [SENT_COLUMNS.join(','), 'time,value'], async (p) => {
    const header = await readHeader(p);
    if (header && isSentLogHeader(header)) return readSentTable(p);
    return readProfileAsSent(p, {});
  }],
  ['compare --received (trace CSV, JSON lines, mosquitto_sub)', '.csv', [TRACE_COLUMNS.join(','), '{"received_at":1,"topic":"a"}', '1700000000.5 a/b x'], (p) => readReceivedTable(p)],
  ['rules YAML', '.yaml', ['name: x\nrules:', 'rules: []', '{"rules": ['], (p) => loadRules(p)],
  ['scenario JSON', '.json', ['{"profile": "p.csv"}', '[', '{'], async (p) => parseScenario(readSmallTextFile(p, 'scenario'), p)],
  ['lookup table CSV', '.csv', ['sensor,high', 'sensor;high'], (p) => loadLookupTable(p, 'sensor')],
  ['lookup table JSON', '.json', ['{"a": {"high": 1}}', '[{"sensor": "a"}]'], (p) => loadLookupTable(p, 'sensor')],
  ['broker --password-file', '.txt', ['user:pass', '# users'], async (p) => readPasswordFile(p)],
  ['--password-file (client)', '.txt', ['secret'], async (p) => readSmallTextFile(p, 'password file', 64 * 1024)],
  ['replay --resume log', '.csv', [SENT_COLUMNS.join(',')], (p) => readSentLogState(p)],
  ['trace --append', '.csv', [TRACE_COLUMNS.join(',')], async (p) => new TraceWriter(p, { append: true }).close()],
];

describe('property: every reader ends with a parse or a located input error', () => {
  it.each(readers)('%s', async (_name, ext, headers, read) => {
    await fc.assert(
      fc.asyncProperty(hostileFile(headers), (bytes) => readsSafely(bytes, ext, read)),
      runs,
    );
  }, 120_000);
});
