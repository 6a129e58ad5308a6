import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/core/mqtt/redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['mqtt://lab:s3cret@host:1883', 'mqtt://lab:***@host:1883'],
    ['mqtts://lab:p@ss@host:8883/x', 'mqtts://lab:***@host:8883/x'],
    ['wss://lab:pa/ss@host/mqtt', 'wss://lab:***@host/mqtt'],
    ['mqtt://token@host', 'mqtt://***@host'],
    ['mqtt://host:1883', 'mqtt://host:1883'],
    ['broker mqtt://lab:s3cret@h:1 refused; retry ws://u:v@h2', 'broker mqtt://lab:***@h:1 refused; retry ws://u:***@h2'],
    ['found "http://lab:s3cret@127.0.0.1:1"', 'found "http://lab:***@127.0.0.1:1"'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('never lets a password through, whatever it contains, wherever the URL is', () => {
    const noSpace = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\s"'<>`]/.test(s));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), noSpace.map((p) => `PW${p}`), fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss'), fc.constantFrom('', 'error: ', 'at "'), (user, password, scheme, before) => {
        const text = `${before}${scheme}://${user}:${password}@127.0.0.1:1883/x end`;
        const out = redactUrl(text);
        expect(out).not.toContain(password);
        expect(out).toContain('127.0.0.1:1883/x end');
      }),
      { numRuns: 2000 },
    );
  });
});
