import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportInputs, writeReports } from '../../../src/app/experiment/report-files.js';
import { canCompare, compareRun, type RunFiles } from '../../../src/app/experiment/run-compare.js';
import type { ExperimentRun } from '../../../src/app/experiment/types.js';
import { expandMatrix, scenarioFromValue } from '../../../src/core/scenario/scenario.js';
import { tempDir } from '../../helpers/brokers.js';

const scenario = scenarioFromValue({ name: 'report', profile: 'p.csv', qos: [1], restarts: [{ at: '1s', downFor: '2s' }] }, 'test');
const spec = expandMatrix(scenario)[0]!;

function folder(): { dir: string; files: RunFiles } {
  const dir = tempDir('sensortrace-run-report-');
  return { dir, files: { sent: join(dir, 'sent.csv'), trace: join(dir, 'trace.csv'), brokerEvents: join(dir, 'broker.events.csv'), compare: join(dir, 'compare') } };
}

function run(dir: string, extra: Partial<ExperimentRun> = {}): ExperimentRun {
  return { spec, dir, files: [], brokerEvents: [], clientEvents: [], durationMs: 1234, ...extra };
}

describe('canCompare', () => {
  it.each<[string, boolean, boolean, string | undefined, boolean]>([
    ['both logs, no error', true, true, undefined, true],
    ['both logs after a broker failure: what was recorded is compared', true, true, 'E_BROKER', true],
    ['both logs, but the input was bad', true, true, 'E_INPUT', false],
    ['both logs, but an option was bad', true, true, 'E_USAGE', false],
    ['no trace', true, false, undefined, false],
    ['no sent log', false, true, undefined, false],
  ])('%s → %s', (_name, sent, trace, errorCode, expected) => {
    const { dir, files } = folder();
    if (sent) writeFileSync(files.sent, '');
    if (trace) writeFileSync(files.trace, '');
    expect(canCompare(run(dir, errorCode ? { errorCode } : {}), files)).toBe(expected);
  });
});

describe('compareRun', () => {
  it('turns a compare failure into the run\'s error, keeping an earlier one', async () => {
    const { dir, files } = folder();
    writeFileSync(files.sent, 'not a sent log\n');
    writeFileSync(files.trace, 'nor a trace\n');
    const fresh = run(dir);
    await compareRun(fresh, files, ['json']);
    expect(fresh.error).toMatch(/^compare failed: /);
    const failed = run(dir, { error: 'broker start command failed' });
    await compareRun(failed, files, ['json']);
    expect(failed.error).toBe('broker start command failed');
  });
});

describe('report files', () => {
  it('give the report each run\'s identity, counts and error', () => {
    const replay = { sent: 10, published: 10, acknowledged: 9, queued: 1, dropped: 0, reconnects: 1, extra: 'ignored' };
    const stop = { at: 5, source: 'broker', event: 'broker_stop' as const };
    const back = { at: 7, source: 'replay', event: 'connect' as const, sessionPresent: false };
    const [input] = reportInputs([run('/x', { error: 'boom', replay: replay as unknown as ExperimentRun['replay'], brokerEvents: [stop], clientEvents: [back] })]);
    expect(input).toEqual({
      dir: spec.id,
      qos: 1,
      broker: 'embedded',
      brokerKind: 'embedded',
      restart: spec.variant.name,
      restarts: spec.variant.restarts,
      durationMs: 1234,
      error: 'boom',
      replay: { sent: 10, published: 10, acknowledged: 9, queued: 1, dropped: 0, reconnects: 1 },
      // Broker and client events together: the run's narrative is computed from them.
      events: [stop, back],
    });
  });

  it('are written at the top of the output folder, with the description and the interrupted flag', () => {
    const { dir } = folder();
    const files = writeReports({ scenario, profile: 'p.csv', outDir: dir, description: 'why we ran it' }, [run(join(dir, spec.id), { error: 'boom' })], { startedAt: 1_700_000_000_000, durationMs: 5000, interrupted: true });
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as Record<string, unknown>;
    expect(json).toMatchObject({ name: 'report', description: 'why we ran it', interrupted: true, duration_ms: 5000 });
    expect(readFileSync(files.markdown, 'utf8')).toContain('boom');
    expect(files.html.startsWith(dir)).toBe(true);
  });
});
