import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trace } from '../../src/app/trace/trace.js';
import { END_WAIT_MS } from '../../src/app/trace/trace-connection.js';
import { mosquittoAvailable, tempDir, withMosquitto } from '../helpers/brokers.js';

/** Starts a trace, freezes the broker under it (SIGSTOP: the socket stays up, nothing answers), stops the trace; how long the stop took (ms). */
async function stopWithBrokerGone(stopCloseWaitMs?: number): Promise<number> {
  return withMosquitto(async (broker) => {
    const controller = new AbortController();
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const tracing = trace({
      filters: ['w/#'],
      qos: 1,
      output: join(tempDir(), 't.csv'),
      connection: { host: broker.host, port: broker.port },
      signal: controller.signal,
      onReady: () => ready(),
      ...(stopCloseWaitMs === undefined ? {} : { stopCloseWaitMs }),
    });
    await subscribed;
    process.kill(broker.pid!, 'SIGSTOP');
    try {
      const started = Date.now();
      controller.abort();
      await tracing;
      return Date.now() - started;
    } finally {
      process.kill(broker.pid!, 'SIGCONT');
    }
  });
}

describe.runIf(mosquittoAvailable)('trace: the stop waits are options', () => {
  it('stopCloseWaitMs bounds the wait for a DISCONNECT a frozen broker never takes', async () => {
    const short = await stopWithBrokerGone(200);
    expect(short).toBeGreaterThanOrEqual(190);
    expect(short).toBeLessThan(END_WAIT_MS - 500);
    const byDefault = await stopWithBrokerGone();
    expect(byDefault).toBeGreaterThanOrEqual(END_WAIT_MS - 10);
  }, 30_000);
});
