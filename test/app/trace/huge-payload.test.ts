import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../helpers/build.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';

const root = join(import.meta.dirname, '../../..');
const TIME = '/usr/bin/time';
const MB = 1024 * 1024;
/** The payload: 256 MB, near the largest an MQTT packet holds (256 MiB − 1, header included). */
const PAYLOAD_BYTES = 256_000_000;

/** Runs a command under GNU time; its exit code and peak RSS (bytes). SIGKILLed (process group) after 90 s. */
function runMeasured(command: string, args: string[]): Promise<{ code: number | null; peakRss: number; stderr: string }> {
  const child = spawn(TIME, ['-f', '@@rss %M', command, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 90_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      const rssKb = Number(/@@rss (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
      resolve({ code, peakRss: rssKb * 1024, stderr });
    });
  });
}

/** SHA-256 of the bytes a `base64:` cell holds, read from the file in slices (the cell is 4/3 of the payload). */
function hashOfBase64Cell(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha256');
    const chunk = Buffer.alloc(4 * MB);
    let state: 'header' | 'prefix' | 'cell' | 'done' = 'header';
    let carry = '';
    for (let n = readSync(fd, chunk); n > 0 && state !== 'done'; n = readSync(fd, chunk)) {
      let text = chunk.toString('latin1', 0, n);
      if (state === 'header') {
        text = text.slice(text.indexOf('\n') + 1);
        state = 'prefix';
      }
      if (state === 'prefix') {
        const at = text.indexOf('base64:');
        text = text.slice(at + 'base64:'.length);
        state = 'cell';
      }
      const end = text.indexOf(',');
      if (end >= 0) {
        text = text.slice(0, end);
        state = 'done';
      }
      const all = carry + text;
      const whole = state === 'done' ? all.length : all.length - (all.length % 4);
      hash.update(Buffer.from(all.slice(0, whole), 'base64'));
      carry = all.slice(whole);
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` random bytes to a file; their SHA-256 (the buffer is not kept: this process stays small). */
function writeRandomFile(path: string, bytes: number): string {
  const payload = randomBytes(bytes);
  writeFileSync(path, payload);
  return createHash('sha256').update(payload).digest('hex');
}

/** A bare MQTT.js subscriber (persistent session, QoS 1) that ends after its first non-retained message. */
const BARE_SUBSCRIBER = `
import mqtt from 'mqtt';
const [url, id, topic] = process.argv.slice(1);
const client = mqtt.connect(url, { clientId: id, clean: false });
client.on('connect', () => client.subscribe(topic, { qos: 1 }));
client.on('message', (_t, payload, packet) => { if (!packet.retain) process.exitCode = payload.length > 0 ? 0 : 5; client.end(); });
`;

describe.runIf(mosquittoAvailable && existsSync(TIME))('trace records one huge payload in bounded memory', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it(`a ${PAYLOAD_BYTES / 1e6} MB binary payload: peak RSS ≤ 3× the payload + 100 MB, the cell decodes to the same bytes; compare reads it back in ≤ 2× + 100 MB`, async () => {
    const dir = tempDir();
    const payloadFile = join(dir, 'payload.bin');
    const expected = writeRandomFile(payloadFile, PAYLOAD_BYTES);
    const output = join(dir, 'trace.csv');
    await withMosquitto(
      async (broker) => {
        const hp = ['-h', broker.host, '-p', String(broker.port)];
        const trace = ['dist/cli/bin.js', 'trace', ...hp, '-t', 'huge/#', '-q', '1', '-i', 'huge-trace', '--no-clean', '-C', '1', '-W', '60', '--quiet', '-o', output];
        const bare = ['--input-type=module', '-e', BARE_SUBSCRIBER, broker.url, 'huge-bare', 'huge/#'];
        // Both sessions first (a retained hello answers each subscription at once), then the payload queued for both.
        expect((await runMeasured('mosquitto_pub', [...hp, '-t', 'huge/hello', '-r', '-m', 'hello'])).code).toBe(0);
        expect((await runMeasured(process.execPath, trace)).code).toBe(0);
        expect((await runMeasured(process.execPath, bare)).code).toBe(0);
        expect((await runMeasured('mosquitto_pub', [...hp, '-t', 'huge/blob', '-q', '1', '-f', payloadFile])).code).toBe(0);

        const traced = await runMeasured(process.execPath, trace);
        expect(traced.code, traced.stderr).toBe(0);
        const alone = await runMeasured(process.execPath, bare);
        expect(alone.code, alone.stderr).toBe(0);

        expect(hashOfBase64Cell(output)).toBe(expected);
        // The target (issue 17): 3× the payload, plus Node's and the CLI's baseline (~100 MB here).
        expect(traced.peakRss).toBeLessThanOrEqual(3 * PAYLOAD_BYTES + 100 * MB);
        // Most of what is left is MQTT.js's (its parser holds the socket's chunks and their copy,
        // ≈ 2× the payload): trace's own part, over a bare MQTT.js subscriber of the same message,
        // stays under half the payload + 60 MB (the CLI's modules; a row built as one string took ≈ 4×).
        expect(traced.peakRss - alone.peakRss).toBeLessThanOrEqual(PAYLOAD_BYTES / 2 + 60 * MB);

        // compare reads that trace back in 2× the payload + 100 MB (the cell is never joined nor decoded back to bytes:
        // 1.65× measured; joining it took 2.9×, decoding it too 5.2×).
        const sent = join(dir, 'sent.csv');
        writeFileSync(sent, 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n1,s1,huge/blob,1,0,1700000000000,20,1700000000000,1700000000000,1700000000001,x\n');
        const compared = await runMeasured(process.execPath, ['dist/cli/bin.js', 'compare', '--sent', sent, '--received', output, '-o', join(dir, 'cmp'), '--format', 'json']);
        expect(compared.code, compared.stderr).toBe(0);
        expect(compared.peakRss).toBeLessThanOrEqual(2 * PAYLOAD_BYTES + 100 * MB);
      },
      { persistence: false },
    );
  }, 180_000);
});
