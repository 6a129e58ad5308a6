import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcessor } from '../../src/app/process/process.js';
import { replay } from '../../src/app/replay/replay.js';
import { trace } from '../../src/app/trace/trace.js';
import { freePort } from '../../src/io/broker/free-port.js';
import { tempDir, withEmbeddedBroker } from '../helpers/brokers.js';

/**
 * An aborted library call leaves no timer behind: once its promise has settled, no timer it made
 * is pending (a flush timer, a reconnect timer or a connect timeout left running would keep a
 * library user's process alive for up to 10 s, or fire into closed files). Without a broker in
 * the process, the process's Timeout handles are also back to what they were.
 */

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Timers made through the global setTimeout/setInterval while `body` runs that are still
 * pending when it settles: unref'd ones included, which getActiveResourcesInfo() does not list
 * but which still fire later (into closed files, a closed client).
 */
async function pendingTimersAfter(body: () => Promise<unknown>): Promise<string[]> {
  const live = new Map<unknown, string>();
  const g = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = { setTimeout: g.setTimeout!, setInterval: g.setInterval!, clearTimeout: g.clearTimeout!, clearInterval: g.clearInterval! };
  g.setTimeout = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const where = new Error().stack?.split('\n').slice(2, 5).join(' | ') ?? '';
    const handle: unknown = original.setTimeout((...a: unknown[]) => {
      live.delete(handle);
      (fn as (...x: unknown[]) => void)(...a);
    }, ms, ...rest);
    live.set(handle, `setTimeout ${String(ms)} ms at ${where}`);
    return handle;
  };
  g.setInterval = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const handle = original.setInterval(fn, ms, ...rest);
    live.set(handle, `setInterval ${String(ms)} ms at ${new Error().stack?.split('\n').slice(2, 5).join(' | ') ?? ''}`);
    return handle;
  };
  g.clearTimeout = (handle: unknown) => {
    live.delete(handle);
    return original.clearTimeout(handle);
  };
  g.clearInterval = (handle: unknown) => {
    live.delete(handle);
    return original.clearInterval(handle);
  };
  try {
    await body();
    // Zero-delay timers queued on the way out (MQTT.js's store stream ends on one) fire now.
    await new Promise((resolve) => original.setTimeout(resolve, 5));
  } finally {
    Object.assign(g, original);
  }
  // A timer cleared with clearTimeout after the body (by a library's own close path) is not ours to judge.
  // The in-process broker's own timers (aedes' keepalive for a client that just left) are not the call's.
  return [...live.entries()].filter(([h, where]) => !(h as { _destroyed?: boolean })._destroyed && !where.includes('/aedes/')).map(([, where]) => where);
}

/** Waits (bounded) for a condition checked on every turn of the event loop. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function slowProfile(): string {
  const path = join(tempDir(), 'slow.csv');
  // One reading an hour: the replay is mid-nap when aborted.
  writeFileSync(path, 'time,value\n1700000000,1\n1700003600,2\n1700007200,3\n');
  return path;
}

describe('an aborted library call clears every timer at once', () => {
  it('replay (connected, waiting for its next reading)', async () => {
    await withEmbeddedBroker(async (broker) => {
      const controller = new AbortController();
      let sent = 0;
      let running!: Promise<unknown>;
      const leftover = pendingTimersAfter(async () => {
        running = replay({ profile: slowProfile(), topic: 't/{sensor}', qos: 1, pacing: { mode: 'profile' }, connection: { host: broker.host, port: broker.port }, log: join(tempDir(), 'sent.csv'), signal: controller.signal, onProgress: (p) => (sent = p.sent) });
        await until(() => sent >= 1, 'the first reading');
        controller.abort();
        await running;
      });
      expect(await leftover).toEqual([]);
    });
  });

  it('replay (the broker unreachable, reconnecting)', async () => {
    const before = timeouts();
    const controller = new AbortController();
    const port = await freePort();
    const leftover = await pendingTimersAfter(async () => {
      const running = replay({ profile: slowProfile(), topic: 't/x', qos: 1, pacing: { mode: 'max' }, connection: { host: '127.0.0.1', port, connectTimeoutMs: 10_000 }, signal: controller.signal });
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      await running.catch(() => undefined);
    });
    expect(leftover).toEqual([]);
    expect(timeouts()).toBeLessThanOrEqual(before);
  });

  it('trace (subscribed, idle)', async () => {
    await withEmbeddedBroker(async (broker) => {
      const controller = new AbortController();
      let ready = false;
      const leftover = await pendingTimersAfter(async () => {
        const running = trace({ filters: ['x/#'], qos: 2, output: join(tempDir(), 't.csv'), connection: { host: broker.host, port: broker.port }, signal: controller.signal, onReady: () => (ready = true) });
        await until(() => ready, 'the subscription');
        controller.abort();
        await running;
      });
      expect(leftover).toEqual([]);
    });
  });

  it('process (rules running)', async () => {
    await withEmbeddedBroker(async (broker) => {
      const rules = join(tempDir(), 'r.yaml');
      writeFileSync(rules, 'name: r\nrules:\n  - on: a/b\n    when: value > 1\n    do: { publish: { topic: x/y, payload: "{value}" } }\n');
      const controller = new AbortController();
      const leftover = await pendingTimersAfter(async () => {
        const running = runProcessor({ rules, connection: { host: broker.host, port: broker.port }, signal: controller.signal });
        await new Promise((r) => setTimeout(r, 300));
        controller.abort();
        await running;
      });
      expect(leftover).toEqual([]);
    });
  });
});
