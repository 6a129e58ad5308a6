import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsPathFor } from '../../src/core/records.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const GIVE_UP_MS = 1000;
/** Closing after a give-up: the trace's bounded DISCONNECT wait (2 s) and slack for a loaded machine. */
const MARGIN_MS = 4000;

/** Resolves when the file exists and contains `text` (fs.watch on its folder, no polling). */
function fileContains(path: string, text: string): Promise<void> {
  return new Promise((done) => {
    const check = (): boolean => {
      if (existsSync(path) && readFileSync(path, 'utf8').includes(text)) {
        watcher.close();
        done();
        return true;
      }
      return false;
    };
    const watcher = watch(dirname(path), (_kind, name) => {
      if (name === basename(path)) check();
    });
    check();
  });
}

/** Every line of a file ends with a newline and has the header's number of commas (no payload commas here). */
function expectWhole(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n');
}

/**
 * Runs a command against a Mosquitto, waits for its first connect in its events file, stops the
 * broker for good and measures how long the command takes to exit.
 */
async function giveUpRun(args: (host: string, port: number) => string[], eventsPath: string): Promise<{ code: number; stderr: string; afterStopMs: number }> {
  return withMosquitto(async (broker) => {
    const running = runCli([...args(broker.host, broker.port), '--give-up-after', `${GIVE_UP_MS}ms`, '--quiet']);
    await fileContains(eventsPath, ',connect,');
    await broker.stop('graceful');
    const stoppedAt = Date.now();
    const { code, stderr } = await running;
    return { code, stderr, afterStopMs: Date.now() - stoppedAt };
  });
}

describe.runIf(mosquittoAvailable)('--give-up-after: a broker gone for good ends the command with exit 3, files whole', () => {
  it('replay (QoS 1): exit 3, the summary says what stayed unsent/unacknowledged, the sent log is whole', async () => {
    const dir = tempDir();
    const profile = join(dir, 'p.csv');
    writeFileSync(profile, ['time,value', ...Array.from({ length: 100 }, (_, i) => `${i * 0.2},${i}`)].join('\n') + '\n');
    const log = join(dir, 'sent.csv');
    const result = await giveUpRun((host, port) => ['replay', profile, '-t', 'g/{sensor}', '-q', '1', '--log', log, '-h', host, '-p', String(port)], eventsPathFor(log));
    expect(result.code).toBe(3);
    expect(result.afterStopMs).toBeLessThan(GIVE_UP_MS + MARGIN_MS);
    const match = /gave up; sent (\d+), acknowledged (\d+), (\d+) unacknowledged, (\d+) never sent/.exec(result.stderr);
    expect(match, result.stderr).not.toBeNull();
    const [sent, acked, unacked, unsent] = match!.slice(1).map(Number) as [number, number, number, number];
    expect(sent + unsent).toBe(100);
    expect(acked + unacked).toBe(sent);
    const lines = expectWhole(log);
    expect(lines.length - 1).toBe(sent);
    expect(lines.slice(1).filter((line) => line.split(',')[9] !== '')).toHaveLength(acked);
  }, 30_000);

  it('trace: exit 3 and the trace closed whole', async () => {
    const dir = tempDir();
    const output = join(dir, 't.csv');
    const result = await giveUpRun((host, port) => ['trace', '-t', 'g/#', '-q', '1', '-o', output, '-h', host, '-p', String(port)], eventsPathFor(output));
    expect(result.code).toBe(3);
    expect(result.afterStopMs).toBeLessThan(GIVE_UP_MS + MARGIN_MS);
    expect(result.stderr).toMatch(/gave up; recorded 0; the trace is complete/);
    expect(expectWhole(output)[0]).toMatch(/^received_at,/);
  }, 30_000);

  it('process: exit 3 and its log closed whole', async () => {
    const dir = tempDir();
    const log = join(dir, 'process.csv');
    const rules = resolve('rules/sin.yaml');
    const result = await giveUpRun((host, port) => ['process', rules, '--log', log, '-h', host, '-p', String(port)], eventsPathFor(log));
    expect(result.code).toBe(3);
    expect(result.afterStopMs).toBeLessThan(GIVE_UP_MS + MARGIN_MS);
    expect(result.stderr).toMatch(/gave up; published 0, failed 0, 0 unacknowledged/);
    expect(expectWhole(log)[0]).toMatch(/^at,/);
  }, 30_000);
});
