import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCESS_LOG_COLUMNS, ProcessOutputs, processLogRow } from '../../../src/app/process/process-outputs.js';
import type { CsvEmission, PublishEmission } from '../../../src/core/rules/engine.js';
import { tempDir } from '../../helpers/brokers.js';

function folder(): string {
  return tempDir('sensortrace-process-outputs-');
}

const publish: PublishEmission = { kind: 'publish', rule: 'hot', at: 1_700_000_000_000 + 123.4567, topic: 'alert/a', payload: '{"v":1}', qos: 1, retain: true, cause: ['e1', 'e2'], userProperties: {} };
const csvRow = (file: string): CsvEmission => ({ kind: 'csv', rule: 'keep', at: 1_700_000_000_200, file, columns: ['sensor', 'value'], row: ['a', 21.5], cause: ['e3'] });

describe('processLogRow', () => {
  it.each([
    ['publish', publish, ['1700000000123.457', 'hot', 'publish', 'alert/a', 1, true, 'e1 e2', '{"v":1}']],
    ['csv', csvRow('/x/out.csv'), ['1700000000200.000', 'keep', 'csv', '/x/out.csv', '', '', 'e3', 'a,21.5']],
    ['correction (event time, late: correct)', { ...publish, late: 'correction' as const }, ['1700000000123.457', 'hot', 'correct', 'alert/a', 1, true, 'e1 e2', '{"v":1}']],
    ['correction of a csv row', { ...csvRow('/x/out.csv'), late: 'correction' as const }, ['1700000000200.000', 'keep', 'correct-csv', '/x/out.csv', '', '', 'e3', 'a,21.5']],
    ['routed (late: route)', { ...publish, late: 'routed' as const, topic: 'late/a' }, ['1700000000123.457', 'hot', 'late-route', 'late/a', 1, true, 'e1 e2', '{"v":1}']],
    ['dropped (late: drop)', { kind: 'late' as const, rule: 'avg', at: 1_700_000_000_300, topic: 't/s', payload: '{"seq":2}', time: 1_700_000_000_000, cause: ['t/s#2'] }, ['1700000000300.000', 'avg', 'late-drop', 't/s', '', '', 't/s#2', '{"seq":2}']],
  ])('%s: one row in PROCESS_LOG_COLUMNS order', (_kind, emission, row) => {
    expect(processLogRow(emission)).toEqual(row);
    expect(row).toHaveLength(PROCESS_LOG_COLUMNS.length);
  });
});

describe('ProcessOutputs', () => {
  it('writes the log with its header and the events beside it (retain as 1/0, like every CSV), and counts reconnects', () => {
    const dir = folder();
    const seen: string[] = [];
    const outputs = new ProcessOutputs(join(dir, 'process.csv'), (e) => seen.push(e.event));
    outputs.logEmission(publish);
    outputs.event({ at: 1, source: 'process', event: 'reconnect' });
    outputs.event({ at: 2, source: 'process', event: 'connect', sessionPresent: true });
    outputs.closeFiles();
    outputs.closeEvents();
    expect(readFileSync(join(dir, 'process.csv'), 'utf8')).toBe(`${PROCESS_LOG_COLUMNS.join(',')}\n1700000000123.457,hot,publish,alert/a,1,1,e1 e2,"{""v"":1}"\n`);
    expect(readFileSync(join(dir, 'process.events.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    expect(outputs.reconnects).toBe(1);
    expect(seen).toEqual(['reconnect', 'connect']);
  });

  it('appends CSV rows, writing the header only into a new file', () => {
    const dir = folder();
    const fresh = join(dir, 'fresh.csv');
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'sensor,value\nb,19\n');
    const outputs = new ProcessOutputs(undefined);
    outputs.csvRow(csvRow(fresh));
    outputs.csvRow(csvRow(fresh));
    outputs.csvRow(csvRow(existing));
    outputs.closeFiles();
    outputs.closeEvents();
    expect(readFileSync(fresh, 'utf8')).toBe('sensor,value\na,21.5\na,21.5\n');
    expect(readFileSync(existing, 'utf8')).toBe('sensor,value\nb,19\na,21.5\n');
    expect(outputs.csvRows).toBe(3);
  });

  it('without --log writes no log and no events file', () => {
    const dir = folder();
    const outputs = new ProcessOutputs(undefined);
    outputs.logEmission(publish);
    outputs.event({ at: 1, source: 'process', event: 'close' });
    outputs.closeFiles();
    outputs.closeEvents();
    expect(existsSync(join(dir, 'process.csv'))).toBe(false);
  });
});
