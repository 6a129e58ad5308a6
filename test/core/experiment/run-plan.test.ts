import { describe, expect, it } from 'vitest';
import { ExperimentEta, isInputFailure, replayDrainTimeoutMs, restartDetail, runTitle } from '../../../src/core/experiment/run-plan.js';
import { estimateRunMs, expandMatrix, scenarioFromValue } from '../../../src/core/scenario/scenario.js';

const scenario = scenarioFromValue(
  {
    name: 'plan',
    profile: 'p.csv',
    rate: 10,
    qos: [0, 1],
    restarts: [
      {
        name: 'twice',
        schedule: [
          { at: '2s', downFor: '1s', kind: 'crash', state: 'lost' },
          { at: '6s', downFor: '500ms', kind: 'crash', state: 'lost' },
        ],
      },
    ],
    drain: '8s',
    quiet: '1s',
  },
  'test',
);
const runs = expandMatrix(scenario);

describe('run plan', () => {
  it('titles a run broker · restarts · QoS', () => {
    expect(runTitle(runs[1]!)).toBe('embedded · crash at 2s for 1s, state lost; crash at 6s for 0.5s, state lost · QoS 1');
  });

  it('titles a run without restarts "no restart"', () => {
    const baseline = expandMatrix(scenarioFromValue({ name: 'b', profile: 'p.csv', qos: [2] }, 'test'))[0]!;
    expect(runTitle(baseline)).toBe('embedded · no restart · QoS 2');
  });

  it('describes a restart for the broker events file', () => {
    expect(restartDetail(runs[0]!.variant.restarts[0]!)).toBe('crash, state lost');
  });

  it('lets the replayer wait for its queue as long as the drain plus every outage', () => {
    expect(replayDrainTimeoutMs(scenario, runs[0]!)).toBe(8000 + 1000 + 500);
  });

  it.each([
    ['E_INPUT', true],
    ['E_USAGE', true],
    ['E_BROKER', false],
    ['E_UNREACHABLE', false],
    [undefined, false],
  ])('%s stops the experiment: %s', (code, expected) => {
    expect(isInputFailure(code)).toBe(expected);
  });
});

describe('ExperimentEta', () => {
  // 50 rows at 10/s: 5 s of replay per run.
  const profile = { durationMs: 4900, rows: 50 };
  const perRun = estimateRunMs(scenario, runs[0]!, 5000);

  it('sums the remaining runs, this one included, minus what this run took so far', () => {
    const eta = new ExperimentEta(scenario, runs, profile);
    expect(eta.leftMs(runs[0]!, 0)).toBe(2 * perRun);
    expect(eta.leftMs(runs[1]!, 1000)).toBe(perRun - 1000);
  });

  it('never goes below zero', () => {
    expect(new ExperimentEta(scenario, runs, profile).leftMs(runs[1]!, 10 * perRun)).toBe(0);
  });

  it('uses the profile replay validated once it is known', () => {
    const eta = new ExperimentEta(scenario, runs, profile);
    eta.learnProfile({ durationMs: 19_900, rows: 200 });
    expect(eta.leftMs(runs[1]!, 0)).toBe(estimateRunMs(scenario, runs[1]!, 20_000));
  });
});
