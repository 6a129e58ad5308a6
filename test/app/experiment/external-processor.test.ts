import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExternalProcessor } from '../../../src/app/experiment/external-processor.js';
import { systemClock } from '../../../src/io/clock.js';
import { tempDir } from '../../helpers/brokers.js';
import { freePort } from '../../../src/io/broker/free-port.js';

function external(command: string, ready?: string | number, readyTimeoutMs?: number): { processor: ExternalProcessor; log: string } {
  const log = join(tempDir('sensortrace-external-'), 'processor.log');
  const processor = new ExternalProcessor({ command, ready, env: { MQTT_HOST: '127.0.0.1', MQTT_PORT: '1' }, logPath: log, clock: systemClock, signal: new AbortController().signal, ...(readyTimeoutMs ? { readyTimeoutMs } : {}) });
  return { processor, log };
}

const alive = (pid: number | undefined): boolean => {
  try {
    process.kill(pid!, 0);
    return true;
  } catch {
    return false;
  }
};

describe('an external processor', () => {
  it('is ready once the port it names accepts connections, and stops on SIGTERM', async () => {
    const port = await freePort();
    const { processor } = external(`exec node -e "require('net').createServer().listen(${port}, '127.0.0.1')"`, port);
    try {
      await processor.ready();
    } finally {
      await processor.stop();
    }
    expect(alive(processor.pid)).toBe(false);
  }, 20_000);

  it('is ready on a line it prints, gets the broker in its environment, and its output goes to the log', async () => {
    const { processor, log } = external('echo "broker $MQTT_HOST:$MQTT_PORT"; echo ready now; exec sleep 60', 'ready now');
    try {
      await processor.ready();
    } finally {
      await processor.stop();
    }
    expect(readFileSync(log, 'utf8')).toContain('broker 127.0.0.1:1\nready now\n');
  }, 20_000);

  it('fails when it ends before it is ready, or is not ready in time', async () => {
    const ended = external('exit 3', 'never');
    await expect(ended.processor.ready()).rejects.toThrow(/ended \(exit 3\) before it was ready/);
    const slow = external('exec sleep 60', 'never', 300);
    await expect(slow.processor.ready()).rejects.toThrow(/not ready after 0.3 s/);
    await slow.processor.stop();
    expect(alive(slow.processor.pid)).toBe(false);
  }, 20_000);

  it('is killed (SIGKILL, its whole process group) when it ignores SIGTERM', async () => {
    const { processor } = external("trap '' TERM; echo up; while true; do sleep 0.2; done", 'up');
    await processor.ready();
    const started = Date.now();
    await processor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(alive(processor.pid)).toBe(false);
  }, 20_000);
});
