import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENT_COLUMNS, TRACE_COLUMNS } from '../../src/core/records.js';
import { startEmbeddedBroker, type RunningEmbeddedBroker } from '../../src/io/broker/embedded-broker.js';
import { tempDir } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

/* `trace --append` and `replay --resume` add to a file their command wrote, never to anything else. */
const profile = join(import.meta.dirname, '../fixtures/profiles/single.csv');

let broker: RunningEmbeddedBroker;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker.close();
});

const notOurs: Array<[string, string | Buffer]> = [
  ['a CSV with another header', 'a,b\n1,2\n'],
  ['one line without a newline', 'garbage'],
  ['binary bytes', Buffer.from([0x00, 0xff, 0x10, 0x0a, 0x80, 0x81])],
  ['the other log format', `${SENT_COLUMNS.join(',')}\n`],
  ['a header with a column missing', `${TRACE_COLUMNS.slice(1).join(',')}\n`],
];

describe('trace --append on a file that is not a trace', () => {
  it.each(notOurs)('%s: exit 2 naming the file, file untouched', async (_name, content) => {
    const file = join(tempDir(), 'not-a-trace.csv');
    writeFileSync(file, content);
    const run = await runCli(['trace', '-p', String(broker.port), '-t', 'a/#', '--append', '-o', file, '-W', '200ms', '--quiet']);
    expect(run.code).toBe(2);
    // Binary bytes are named as such (a NUL byte), anything else as not a trace.
    expect(run.stderr).toMatch(new RegExp(`${file}:1: (not a trace|holds a NUL byte)`));
    expect(readFileSync(file)).toEqual(Buffer.from(content));
  });

  it('a JSON-lines trace is appended to only when it starts like one', async () => {
    const file = join(tempDir(), 'lines.jsonl');
    writeFileSync(file, '{"other":1}\n');
    const run = await runCli(['trace', '-p', String(broker.port), '-t', 'a/#', '--jsonl', '--append', '-o', file, '-W', '200ms', '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not a JSON-lines trace');
  });

  it('still appends to a trace, and to an empty file', async () => {
    const dir = tempDir();
    for (const [file, content] of [[join(dir, 'trace.csv'), `${TRACE_COLUMNS.join(',')}\n`], [join(dir, 'empty.csv'), '']] as const) {
      writeFileSync(file, content);
      const run = await runCli(['trace', '-p', String(broker.port), '-t', 'a/#', '--append', '-o', file, '-W', '200ms', '--quiet']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(`${TRACE_COLUMNS.join(',')}\n`);
    }
  });
});

describe('replay --resume on a file that is not a sent log', () => {
  it.each(notOurs.map(([name, content]) => [name, name === 'the other log format' ? `${TRACE_COLUMNS.join(',')}\n` : content] as const))('%s: exit 2 naming the file, file untouched', async (_name, content) => {
    const file = join(tempDir(), 'not-a-log.csv');
    writeFileSync(file, content);
    const run = await runCli(['replay', profile, '-p', String(broker.port), '-t', 'x', '--log', file, '--resume', '--speed', '1000', '--quiet']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${file}:1: (not a sent log|holds a NUL byte)`));
    expect(readFileSync(file)).toEqual(Buffer.from(content));
  });
});
