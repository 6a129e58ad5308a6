import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBrokerUrl } from '../../src/core/mqtt/broker-url.js';
import { redactUrl } from '../../src/core/mqtt/redact-url.js';
import { startEmbeddedBroker, type RunningEmbeddedBroker } from '../../src/io/broker/embedded-broker.js';
import { openConnection } from '../../src/io/mqtt/connection.js';
import { toClientOptions } from '../../src/io/mqtt/client-options.js';
import { runCli } from '../helpers/cli.js';

const PASSWORD = 's3cret';

/* Each of these used to connect to localhost:1883 (or throw a stack, or print the password in a DEP0170 warning). */
const bad: Array<[string, RegExp]> = [
  ['mqtt://127.0.0.1:28831x', /--url: the port must be a whole number from 1 to 65535 in "mqtt:\/\/127\.0\.0\.1:28831x"/],
  ['mqtt://127.0.0.1:notaport', /the port must be a whole number from 1 to 65535/],
  ['mqtt://127.0.0.1:-5', /the port must be a whole number from 1 to 65535/],
  ['mqtt://127.0.0.1:0', /the port must be a whole number from 1 to 65535/],
  ['mqtt://127.0.0.1:99999', /the port must be a whole number from 1 to 65535/],
  ['mqtt://127.0.0.1:', /the port must be a whole number from 1 to 65535/],
  ['mqtt://', /--url: no host in "mqtt:\/\/"/],
  ['mqtt://:1883', /no host/],
  [`mqtt://lab:${PASSWORD}@127.0.0.1:99999`, /the port must be .* in "mqtt:\/\/lab:\*\*\*@127\.0\.0\.1:99999"/],
  [`mqtt://lab:${PASSWORD}@:1883`, /no host in "mqtt:\/\/lab:\*\*\*@:1883"/],
  [`mqtt://lab:pa ${PASSWORD}@127.0.0.1:x`, /in "mqtt:\/\/lab:\*\*\*@127\.0\.0\.1:x"/],
  [`mqtt://lab:pa/${PASSWORD}@127.0.0.1:1883`, /percent-encoded, e\.g\. %2F\) in "mqtt:\/\/lab:\*\*\*@127\.0\.0\.1:1883"/],
  [`mqtt://lab:${PASSWORD}@bad host:1883`, /not a host name in "mqtt:\/\/lab:\*\*\*@bad host:1883"/],
  [`http://lab:${PASSWORD}@127.0.0.1:1883`, /--url: expected mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ \(found "http:\/\/lab:\*\*\*@127\.0\.0\.1:1883"\)/],
];

let broker: RunningEmbeddedBroker;
beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('broker URLs on the command line', () => {
  it.each(bad)('-L %s: exit 2, the URL shown without its password, no warning, no stack', async (url, message) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const run = await runCli(['trace', '-L', url, '-t', 'a', '-W', '200ms', '--connect-timeout', '1s']);
      expect(run.stderr).toMatch(message);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain(PASSWORD);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.message)).toEqual([]);
  });

  it.each([
    () => `mqtt://127.0.0.1:${broker.port}`,
    () => `mqtt://lab:pa%20ss@127.0.0.1:${broker.port}`,
    () => `tcp://localhost:${broker.port}/`,
  ])('a good URL still connects (%s)', async (url) => {
    const run = await runCli(['trace', '-L', url(), '-t', 'a', '-W', '200ms', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('a password with a space, unreachable broker: the message hides it', async () => {
    const run = await runCli(['trace', '-L', `mqtt://lab:pa ${PASSWORD}@127.0.0.1:1`, '-t', 'a', '--connect-timeout', '300ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('mqtt://lab:***@127.0.0.1:1');
    expect(run.stderr).not.toContain(PASSWORD);
    expect(run.stderr).not.toContain('pa ');
  });
});

describe('broker URLs in the library', () => {
  it.each(bad)('ConnectionOptions.url %s: E_USAGE on `url`, before any connection', async (url) => {
    expect(() => toClientOptions({ url })).toThrow(expect.objectContaining({ code: 'E_USAGE', option: 'url' }));
    let thrown: unknown;
    try {
      await openConnection({ url, connectTimeoutMs: 1000 }, { source: 'trace' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'E_USAGE', option: 'url' });
    expect((thrown as Error).message).not.toContain(PASSWORD);
  });

  it.each([
    ['mqtt://h', { scheme: 'mqtt', host: 'h' }],
    ['MQTTS://broker.example.com:8883', { scheme: 'mqtts', host: 'broker.example.com', port: 8883 }],
    ['ws://u:p@ss@h:8080/mqtt?x=1', { scheme: 'ws', host: 'h', port: 8080 }],
    ['mqtt://[::1]:1', { scheme: 'mqtt', host: '[::1]', port: 1 }],
    ['wss://h:65535', { scheme: 'wss', host: 'h', port: 65535 }],
  ])('%s is read as %j', (url, parts) => {
    expect(checkBrokerUrl(url)).toEqual(parts);
  });
});

describe('redactUrl with spaces in the password', () => {
  it.each([
    ['mqtt://lab:pa ss@host:1883', 'mqtt://lab:***@host:1883'],
    ['no connection to mqtt://lab:a b c@127.0.0.1:1 within 1 s', 'no connection to mqtt://lab:***@127.0.0.1:1 within 1 s'],
    ['found "mqtt://u:x y@h" then ws://v:w@h2', 'found "mqtt://u:***@h" then ws://v:***@h2'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('never lets a password with spaces through', () => {
    const chars = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/["'<>`\n]/.test(s));
    fc.assert(
      fc.property(chars.map((p) => `PW ${p}`), fc.constantFrom('mqtt', 'ws'), fc.constantFrom('', 'error: ', 'at "'), (password, scheme, before) => {
        const out = redactUrl(`${before}${scheme}://lab:${password}@127.0.0.1:1883 end`);
        expect(out).not.toContain(password);
        expect(out).toContain('127.0.0.1:1883 end');
      }),
      { numRuns: 2000 },
    );
  });
});
