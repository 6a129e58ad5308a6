import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../../src/io/mqtt/connection.js';
import { freePort } from '../../../src/io/broker/free-port.js';
import { MosquittoBroker } from '../../../src/io/broker/mosquitto-broker.js';
import { startEmbeddedBroker } from '../../../src/io/broker/embedded-broker.js';
import { mosquittoAvailable, tempDir } from '../../helpers/brokers.js';
import { makeTestPki, type TestPki } from '../../helpers/tls.js';
import { runCli } from '../../helpers/cli.js';

describe.runIf(mosquittoAvailable)('TLS and authentication against Mosquitto', () => {
  let dir: string;
  let pki: TestPki;
  let broker: MosquittoBroker;
  let tlsPort: number;
  let mtlsPort: number;

  beforeAll(async () => {
    dir = tempDir('sensortrace-tls-');
    pki = makeTestPki(dir);
    const passwords = join(dir, 'passwords');
    writeFileSync(passwords, '');
    execFileSync('mosquitto_passwd', ['-b', passwords, 'lab', 's3cret']);
    // Three ports probed free then bound by Mosquitto: another process may take one in between
    // (exit at start, "Address already in use"); a fresh set is tried then.
    for (let attempt = 1; ; attempt++) {
      tlsPort = await freePort();
      do mtlsPort = await freePort();
      while (mtlsPort === tlsPort);
      broker = new MosquittoBroker({
        dir,
        persistence: false,
        allowAnonymous: false,
        extraConfig: [
          'per_listener_settings false',
          `password_file ${passwords}`,
          `listener ${tlsPort} 127.0.0.1`,
          `cafile ${pki.caCert}`,
          `certfile ${pki.serverCert}`,
          `keyfile ${pki.serverKey}`,
          // The 8884-style listener: a client certificate signed by our CA is required.
          `listener ${mtlsPort} 127.0.0.1`,
          `cafile ${pki.caCert}`,
          `certfile ${pki.serverCert}`,
          `keyfile ${pki.serverKey}`,
          'require_certificate true',
        ],
      });
      try {
        await broker.start();
        break;
      } catch (error) {
        if (attempt === 3 || !/Address already in use/.test((error as Error).message)) throw error;
      }
    }
  });

  afterAll(async () => {
    await broker?.stop('crash');
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the right password, and is refused with a wrong one (E_AUTH, exit 4)', async () => {
    const ok = await openConnection({ host: '127.0.0.1', port: broker.port, username: 'lab', password: 's3cret' }, { source: 'test' });
    await ok.end();
    await expect(openConnection({ host: '127.0.0.1', port: broker.port, username: 'lab', password: 'wrong', connectTimeoutMs: 5000 }, { source: 'test' })).rejects.toMatchObject({ code: 'E_AUTH', exitCode: 4 });
  });

  it('refuses promptly instead of retrying until the connect timeout', async () => {
    const started = Date.now();
    await expect(openConnection({ host: '127.0.0.1', port: broker.port, username: 'nobody', password: 'x', connectTimeoutMs: 20_000 }, { source: 'test' })).rejects.toMatchObject({ code: 'E_AUTH' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('verifies the broker with --cafile and refuses a broker signed by another CA', async () => {
    const ok = await openConnection({ url: `mqtts://127.0.0.1:${tlsPort}`, cafile: pki.caCert, username: 'lab', password: 's3cret' }, { source: 'test' });
    expect(ok.client.connected).toBe(true);
    await ok.end();
    await expect(openConnection({ url: `mqtts://127.0.0.1:${tlsPort}`, cafile: pki.otherCaCert, username: 'lab', password: 's3cret', connectTimeoutMs: 5000 }, { source: 'test' })).rejects.toMatchObject({ code: 'E_UNREACHABLE' });
  });

  it('--insecure skips verification', async () => {
    const ok = await openConnection({ url: `mqtts://127.0.0.1:${tlsPort}`, insecure: true, username: 'lab', password: 's3cret' }, { source: 'test' });
    await ok.end();
  });

  it('presents a client certificate where one is required, and fails without it', async () => {
    const ok = await openConnection({ url: `mqtts://127.0.0.1:${mtlsPort}`, cafile: pki.caCert, cert: pki.clientCert, key: pki.clientKey, username: 'lab', password: 's3cret' }, { source: 'test' });
    await ok.end();
    await expect(openConnection({ url: `mqtts://127.0.0.1:${mtlsPort}`, cafile: pki.caCert, username: 'lab', password: 's3cret', connectTimeoutMs: 3000 }, { source: 'test' })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('credentials never leak', () => {
  it('redacts a password in a URL in error messages', async () => {
    const port = await freePort();
    const run = await runCli(['trace', '-t', 'x', '-L', `mqtt://lab:hunter2@127.0.0.1:${port}`, '--connect-timeout', '500ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('an embedded broker with credentials refuses a wrong password with exit 4 semantics', async () => {
    const broker = await startEmbeddedBroker({ credentials: new Map([['lab', 's3cret']]) });
    try {
      await expect(openConnection({ host: broker.host, port: broker.port, username: 'lab', password: 'nope', connectTimeoutMs: 5000 }, { source: 'test' })).rejects.toMatchObject({ code: 'E_AUTH' });
      const ok = await openConnection({ host: broker.host, port: broker.port, username: 'lab', password: 's3cret' }, { source: 'test' });
      await ok.end();
    } finally {
      await broker.close();
    }
  });
});

describe('a protocol version the broker does not speak', () => {
  it('MQTT 5 against the 3.1.1-only embedded broker: exit 2 at once with a hint, not 10 s of retries', async () => {
    const broker = await startEmbeddedBroker();
    try {
      const started = Date.now();
      const run = await runCli(['trace', '-t', 'x', '-h', broker.host, '-p', String(broker.port), '-V', '5', '--connect-timeout', '10s']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/refused the protocol version .*try -V 4/);
      // The refusal comes with the first CONNACK; the connect timeout (10 s) is never reached.
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      await broker.close();
    }
  });
});
