import { describe, expect, it } from 'vitest';
import { isSensortraceError } from '../../../src/core/errors.js';
import { compileTopicTemplate } from '../../../src/core/mqtt/topic-template.js';
import type { ProfileSummary } from '../../../src/io/input/profile-reader.js';
import { checkReplayOptions, checkResume, checkTopics } from '../../../src/app/replay/checks.js';
import { messageForCli } from '../../../src/cli/option-flags.js';

/** The error a check throws: its option, its library message and what the CLI shows. */
function thrown(check: () => void): { option?: string; message: string; cli: string } | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (!isSensortraceError(error)) throw error;
    expect(error.code).toBe('E_USAGE');
    return { option: error.option, message: error.message, cli: messageForCli(error) };
  }
}

const profile = (sensors: string[], hasTopics = false) => ({ sensors: sensors.map((name) => ({ name, rows: 1 })), hasTopics }) as unknown as ProfileSummary;

describe('replay option checks: library errors name the option, the CLI shows the flag', () => {
  it.each([
    [{ loop: -1 }, 'loop', 'loop: expected a whole number ≥ 0 (found "-1")', '--loop: expected a whole number ≥ 0 (found "-1")'],
    [{ loop: 1.5 }, 'loop', 'loop: expected a whole number ≥ 0 (found "1.5")', '--loop: expected a whole number ≥ 0 (found "1.5")'],
    [{ maxInflight: 0 }, 'maxInflight', 'maxInflight: expected a whole number ≥ 1', '--max-inflight: expected a whole number ≥ 1'],
  ])('%j', (options, option, message, cli) => {
    expect(thrown(() => checkReplayOptions(options))).toEqual({ option, message, cli });
  });

  it.each([[{}], [{ loop: 0 }], [{ loop: 3, maxInflight: 1 }]])('accepts %j', (options) => {
    expect(thrown(() => checkReplayOptions(options))).toBeUndefined();
  });

  it('resume needs a log', () => {
    expect(thrown(() => checkResume({ resume: true }))).toEqual({ option: 'resume', message: 'resume: needs `log`, the sent log to continue', cli: '--resume: needs --log, the sent log to continue' });
    expect(thrown(() => checkResume({ resume: true, log: 'sent.csv' }))).toBeUndefined();
  });

  it('a topic is needed unless the profile names topics, and every sensor must give a valid one', () => {
    expect(thrown(() => checkTopics(undefined, profile(['a'])))?.cli).toBe('--topic: required (the profile has no topic column)');
    expect(thrown(() => checkTopics(undefined, profile(['a'], true)))).toBeUndefined();
    expect(thrown(() => checkTopics(compileTopicTemplate('s/{sensor}'), profile(['a', 'b'])))).toBeUndefined();
    const bad = thrown(() => checkTopics(compileTopicTemplate('s/{sensor}'), profile(['a', 'b+c'])));
    expect(bad?.option).toBe('topic');
    expect(bad?.message).toMatch(/^topic: sensor "b\+c" gives the topic "s\/b\+c": /);
    expect(bad?.cli).toMatch(/^--topic: sensor "b\+c"/);
  });
});
