import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventsWriter } from '../../../src/io/logs/events-writer.js';
import { tempDir } from '../../helpers/brokers.js';

describe('EventsWriter', () => {
  it('writes each event at once, and drops events that come after close (a socket closing after the run)', () => {
    const path = join(tempDir(), 'x.events.csv');
    const writer = new EventsWriter(path);
    writer.write({ at: 1_700_000_000_000.5, source: 'replay', event: 'connect', sessionPresent: false });
    expect(readFileSync(path, 'utf8')).toBe('at,source,event,session_present,detail\n1700000000000.500,replay,connect,0,\n');
    writer.close();
    expect(() => writer.write({ at: 1_700_000_000_001, source: 'replay', event: 'offline' })).not.toThrow();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
