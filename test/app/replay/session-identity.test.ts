import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/app/replay/replay.js';
import { eventsPathFor } from '../../../src/core/records.js';
import { sessionIdentity } from '../../../src/io/mqtt/session.js';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';

describe('replay: the persistent session and its client id', () => {
  it.each<[string, string | undefined, string | undefined, RegExp, 'given' | 'log' | 'random']>([
    ['-i wins', 'mine', '/x/sent.csv', /^mine$/, 'given'],
    ['derived from the log', undefined, '/x/sent.csv', /^st-replay-[0-9a-f]{16}$/, 'log'],
    ['random without a log', undefined, undefined, /^st-replay-[0-9a-f]{16}$/, 'random'],
  ])('%s', (_name, given, log, id, origin) => {
    const identity = sessionIdentity('replay', given, log);
    expect(identity.clientId).toMatch(id);
    expect(identity.origin).toBe(origin);
  });

  it('the same log path gives the same id (relative or absolute); another log, another id; without a log, a new id each time', () => {
    const a = sessionIdentity('replay', undefined, 'out/sent.csv').clientId;
    expect(sessionIdentity('replay', undefined, join(process.cwd(), 'out/sent.csv')).clientId).toBe(a);
    expect(sessionIdentity('replay', undefined, 'out/other.csv').clientId).not.toBe(a);
    expect(sessionIdentity('replay', undefined, undefined).clientId).not.toBe(sessionIdentity('replay', undefined, undefined).clientId);
  });

  it('a --resume run takes the same session over (same id in both connect lines); QoS 0 and --clean use no persistent session', async () => {
    await withEmbeddedBroker(async (broker) => {
      const dir = tempDir();
      const profile = join(dir, 'p.csv');
      writeFileSync(profile, 'time,value\n0,1\n1,2\n2,3\n');
      const log = join(dir, 'sent.csv');
      const connection = { host: broker.host, port: broker.port };
      const first = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 2, connection, log });
      const resumed = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 2, connection, log, resume: true });
      expect(first.session?.origin).toBe('log');
      expect(resumed.session?.clientId).toBe(first.session?.clientId);
      const connects = readFileSync(eventsPathFor(log), 'utf8').split('\n').filter((line) => line.includes(',connect,'));
      expect(connects).toHaveLength(2);
      for (const line of connects) expect(line).toContain(`client id ${first.session!.clientId}`);
      const qos0 = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 0, connection, log: join(dir, 'q0.csv') });
      const clean = await replay({ profile, topic: 's/{sensor}', pacing: { mode: 'max' }, qos: 1, connection: { ...connection, clean: true }, log: join(dir, 'c.csv') });
      expect(qos0.session).toBeUndefined();
      expect(clean.session).toBeUndefined();
      expect(readFileSync(eventsPathFor(join(dir, 'c.csv')), 'utf8')).not.toContain('persistent session');
    });
  });
});
