import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { trace } from '../../../src/app/trace/trace.js';
import { ensureBuilt } from '../../helpers/build.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../../helpers/brokers.js';
import { connectPublisher, publish, readTrace } from './helpers.js';

const root = join(import.meta.dirname, '../../..');

function dataLines(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 2 : 0;
}

describe.runIf(mosquittoAvailable)('trace killed with SIGKILL', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('keeps a valid CSV, and a restart with the same id, --no-clean and --append continues without a gap', async () => {
    const output = join(tempDir(), 'trace.csv');
    const total = 400;
    await withMosquitto(async (broker) => {
      // A long flush interval: only acknowledging after the write keeps the killed run's rows.
      const child = spawn(process.execPath, [join(root, 'dist/cli/bin.js'), 'trace', '-h', broker.host, '-p', String(broker.port), '-t', 'k/#', '-q', '1', '-i', 'st-kill-test', '--no-clean', '-o', output, '--flush-interval', '10m', '--quiet'], { stdio: 'ignore' });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const publisher = await connectPublisher({ name: 'mosquitto', url: broker.url, host: broker.host, port: broker.port });
      try {
        // Subscribed once the header is there and a probe message is recorded.
        for (;;) {
          await publish(publisher, 'k/probe', 'probe', 1);
          if (dataLines(output) > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        let seq = 0;
        while (dataLines(output) < 100) await publish(publisher, 'k/t', String(++seq), 1);
        child.kill('SIGKILL');
        await exited;
        const recordedBefore = dataLines(output);
        // While the tracer is gone the broker queues for its session.
        while (seq < total) await publish(publisher, 'k/t', String(++seq), 1);

        const controller = new AbortController();
        const seen = new Set<string>();
        const run = trace({
          filters: ['k/#'],
          qos: 1,
          output,
          append: true,
          connection: { host: broker.host, port: broker.port, clientId: 'st-kill-test', clean: false },
          signal: controller.signal,
          onMessage: (record) => {
            seen.add(record.payload.toString());
            if (seen.has(String(total))) controller.abort();
          },
        });
        const summary = await run;
        expect(summary.received).toBeGreaterThan(0);

        const rows = await readTrace(output);
        expect(rows.length).toBeGreaterThanOrEqual(recordedBefore);
        const text = readFileSync(output, 'utf8');
        expect(text.split('\n').filter((l) => l.startsWith('received_at,'))).toHaveLength(1);
        expect(text.endsWith('\n')).toBe(true);
        const seqs = new Set(rows.filter((r) => r.topic === 'k/t').map((r) => Number(r.payload.toString())));
        const missing = Array.from({ length: total }, (_, i) => i + 1).filter((s) => !seqs.has(s));
        expect(missing).toEqual([]);
      } finally {
        await publisher.endAsync();
      }
    });
  });
});
