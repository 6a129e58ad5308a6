import { describe, expect, it } from 'vitest';
import { optionError, usageError } from '../../src/core/errors.js';
import { flagFor, messageForCli } from '../../src/cli/option-flags.js';

describe('library option errors shown as CLI flags', () => {
  it.each([
    ['loop', '--loop'],
    ['maxInflight', '--max-inflight'],
    ['payloadFormat', '--format'],
    ['queueQos0', '--queue-qos0'],
  ])('option %s is the flag %s', (option, flag) => {
    expect(flagFor(option)).toBe(flag);
  });

  it('rewrites the leading option name, keeps the rest', () => {
    const error = optionError('maxInflight', 'expected a whole number ≥ 1 (found "0")');
    expect(error.message).toBe('maxInflight: expected a whole number ≥ 1 (found "0")');
    expect(error.code).toBe('E_USAGE');
    expect(messageForCli(error)).toBe('--max-inflight: expected a whole number ≥ 1 (found "0")');
  });

  it('shows other options the message names in backquotes as flags too', () => {
    const error = optionError('resume', 'needs `log`, the sent log to continue');
    expect(messageForCli(error)).toBe('--resume: needs --log, the sent log to continue');
  });

  it('leaves errors without an option alone', () => {
    expect(messageForCli(usageError('loop: not an option error'))).toBe('loop: not an option error');
  });
});
