import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsPathFor, type SentRecord } from '../../../src/core/records.js';
import { handedOverPathFor } from '../../../src/io/logs/sent-log-writer.js';
import { ReplayLog } from '../../../src/app/replay/replay-log.js';
import { tempDir } from '../../helpers/brokers.js';

const record = (seq: number, extra: Partial<SentRecord> = {}): SentRecord => ({ seq, sensor: 's', topic: 't', qos: 2, retain: false, profileTime: 1, value: seq, plannedAt: 2, payload: String(seq), ...extra });
const rows = (path: string) => readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));

describe('ReplayLog', () => {
  it('writes records in seq order once final, the unfinished ones last; events beside it', () => {
    const path = join(tempDir(), 'sent.csv');
    const log = new ReplayLog(path, { handedOverMark: false, onFailure: () => {} });
    log.event({ at: 1, source: 'replay', event: 'connect', sessionPresent: false });
    log.complete(record(2, { publishedAt: 5, ackedAt: 6 }));
    log.complete(record(1, { publishedAt: 3, ackedAt: 4 }));
    log.finish([record(3)]);
    expect(rows(path).map((r) => [r[0], r[8], r[9]])).toEqual([['1', '3.000', '4.000'], ['2', '5.000', '6.000'], ['3', '', '']]);
    expect(readFileSync(eventsPathFor(path), 'utf8').split('\n')[1]).toMatch(/^1\.000,replay,connect,/);
  });

  it("skipped seqs (another partition's) hold nothing back; --connections adds the connection column", () => {
    const path = join(tempDir(), 'sent.csv');
    const log = new ReplayLog(path, { handedOverMark: false, connectionColumn: true, onFailure: () => {} });
    log.complete(record(3, { connection: 2 }));
    log.skip(2);
    expect(rows(path)).toEqual([]);
    log.skip(1);
    log.complete(record(5, { connection: 1 }));
    log.skip(4);
    log.skip(6);
    log.complete(record(7, { payload: 'x,y', connection: 3 }));
    log.finish([]);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')[0]).toBe('seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload,connection');
    expect(rows(path).map((r) => [r[0], r.at(-1)])).toEqual([['3', '2'], ['5', '1'], ['7', '3']]);
    expect(text).toContain(',"x,y",3\n');
  });

  it('QoS 2 hand-over: what is final is on disk before the mark says the next seq may leave', () => {
    const path = join(tempDir(), 'sent.csv');
    const log = new ReplayLog(path, { handedOverMark: true, onFailure: () => {} });
    log.complete(record(1, { publishedAt: 3, ackedAt: 4 }));
    log.handOver(2);
    expect(rows(path).map((r) => r[0])).toEqual(['1']);
    expect(readFileSync(handedOverPathFor(path), 'utf8').trim()).toBe('2');
    log.finish([]);
  });

  it('a fresh log of a run that never connected is removed; a resumed one is kept', () => {
    const dir = tempDir();
    const fresh = join(dir, 'fresh.csv');
    new ReplayLog(fresh, { handedOverMark: true, onFailure: () => {} }).discardIfFresh();
    expect([fresh, handedOverPathFor(fresh), eventsPathFor(fresh)].filter((p) => existsSync(p))).toEqual([]);
    const resumed = join(dir, 'resumed.csv');
    new ReplayLog(resumed, { handedOverMark: false, onFailure: () => {} }).finish([record(1)]);
    new ReplayLog(resumed, { resumeAt: 2, handedOverMark: false, onFailure: () => {} }).discardIfFresh();
    expect(rows(resumed).map((r) => r[0])).toEqual(['1']);
  });

  it('an unwritable log fails when opened (before anything is published)', () => {
    const file = join(tempDir(), 'file');
    writeFileSync(file, 'x');
    for (const path of [join(file, 'sent.csv'), '/dev/full']) {
      expect(() => new ReplayLog(path, { handedOverMark: false, onFailure: () => {} })).toThrow(expect.objectContaining({ code: 'E_OUTPUT' }));
    }
  });
});
