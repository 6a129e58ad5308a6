import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrokerControl, type BrokerControl, type BrokerSpec } from '../../../src/io/broker/broker-control.js';
import mqtt from 'mqtt';
import { openConnection } from '../../../src/io/mqtt/connection.js';
import { mosquittoAvailable, tempDir } from '../../helpers/brokers.js';
import { ensureBuilt } from '../../helpers/build.js';

/** The embedded broker runs as a child (`node dist/cli/bin.js broker`): build it once. */
beforeAll(() => ensureBuilt(), 120_000);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A persistent subscriber built on MQTT.js directly: a broker with a session sends the queued
 * messages right behind CONNACK, so the message listener must exist before the connect.
 */
async function subscriber(url: string, id: string): Promise<{ sessionPresent: boolean; client: mqtt.MqttClient; next: () => Promise<string> }> {
  const client = mqtt.connect(url, { clientId: id, clean: false, reconnectPeriod: 0 });
  const messages: string[] = [];
  const waiters: Array<(m: string) => void> = [];
  client.on('message', (_topic, payload) => {
    const waiter = waiters.shift();
    if (waiter) waiter(payload.toString());
    else messages.push(payload.toString());
  });
  const connack = await new Promise<mqtt.IConnackPacket>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  return {
    sessionPresent: connack.sessionPresent,
    client,
    next: () => new Promise((resolve) => (messages.length > 0 ? resolve(messages.shift()!) : waiters.push(resolve))),
  };
}

/**
 * The tutorial's exercise 5 in miniature: a persistent subscriber goes away, a QoS 1 message is
 * queued for it, the broker restarts, the subscriber comes back. Returns session-present and
 * whether the queued message arrived.
 */
async function restartScenario(spec: BrokerSpec, how: { kind: 'graceful' | 'crash'; discard: boolean }): Promise<{ sessionPresent: boolean; gotQueued: boolean; pids: number[] }> {
  const dir = tempDir('sensortrace-control-');
  dirs.push(dir);
  const control: BrokerControl = createBrokerControl(spec, dir);
  const pids: number[] = [];
  const pidOf = (): void => {
    const pid = (control as unknown as { pid?: number; broker?: { pid?: number } }).pid ?? (control as unknown as { broker?: { pid?: number } }).broker?.pid;
    if (pid !== undefined) pids.push(pid);
  };
  try {
    await control.start();
    pidOf();
    const first = await subscriber(control.url, 'tracer-1');
    await first.client.subscribeAsync('t/#', { qos: 1 });
    await first.client.endAsync();
    const publisher = await openConnection({ url: control.url, clientId: 'pub-1' }, { source: 'test' });
    await publisher.client.publishAsync('t/x', 'queued', { qos: 1 });
    await publisher.end();
    await control.stop(how.kind);
    if (how.discard) control.discardState();
    await control.start();
    pidOf();
    const again = await subscriber(control.url, 'tracer-1');
    const sessionPresent = again.sessionPresent;
    let gotQueued = false;
    if (sessionPresent) {
      gotQueued = (await again.next()) === 'queued';
    } else {
      // No session: nothing can be queued for us. Prove the broker works and nothing stale comes.
      await again.client.subscribeAsync('t/#', { qos: 1 });
      const probe = await openConnection({ url: control.url, clientId: 'pub-2' }, { source: 'test' });
      await probe.client.publishAsync('t/x', 'probe', { qos: 1 });
      await probe.end();
      gotQueued = (await again.next()) === 'queued';
    }
    await again.client.endAsync();
    return { sessionPresent, gotQueued, pids };
  } finally {
    await control.dispose();
  }
}

describe('embedded broker as a child process', () => {
  it('keeps the session and its queued message across a graceful restart, and leaves no process', async () => {
    const result = await restartScenario({ kind: 'embedded' }, { kind: 'graceful', discard: false });
    expect(result).toMatchObject({ sessionPresent: true, gotQueued: true });
    expect(result.pids).toHaveLength(2);
    expect(result.pids[0]).not.toBe(result.pids[1]);
    for (const pid of result.pids) expect(isAlive(pid)).toBe(false);
  });

  it('loses the session when the state is discarded', async () => {
    const result = await restartScenario({ kind: 'embedded' }, { kind: 'graceful', discard: true });
    expect(result).toMatchObject({ sessionPresent: false, gotQueued: false });
    for (const pid of result.pids) expect(isAlive(pid)).toBe(false);
  });

  it('loses the session on a crash (SIGKILL) without autosave', async () => {
    const result = await restartScenario({ kind: 'embedded' }, { kind: 'crash', discard: false });
    expect(result).toMatchObject({ sessionPresent: false, gotQueued: false });
  });
});

describe.runIf(mosquittoAvailable)('mosquitto control', () => {
  it('keeps the session across a graceful restart with persistence on', async () => {
    const result = await restartScenario({ kind: 'mosquitto', persistence: true }, { kind: 'graceful', discard: false });
    expect(result).toMatchObject({ sessionPresent: true, gotQueued: true });
    for (const pid of result.pids) expect(isAlive(pid)).toBe(false);
  });

  it('loses it when persistence is off', async () => {
    const result = await restartScenario({ kind: 'mosquitto', persistence: false }, { kind: 'graceful', discard: false });
    expect(result).toMatchObject({ sessionPresent: false, gotQueued: false });
  });
});

describe('external broker control', () => {
  it('runs the stop and start commands', async () => {
    const dir = tempDir('sensortrace-external-');
    dirs.push(dir);
    // The "external" broker is an embedded child this test owns; the shell commands only leave marks.
    const inner = createBrokerControl({ kind: 'embedded' }, dir);
    await inner.start();
    try {
      const control = createBrokerControl({ kind: 'external', url: inner.url, stopCommand: `touch ${dir}/stopped`, startCommand: `touch ${dir}/started` }, dir);
      await control.start();
      await control.stop('graceful');
      await control.start();
      const { existsSync } = await import('node:fs');
      expect([existsSync(`${dir}/stopped`), existsSync(`${dir}/started`)]).toEqual([true, true]);
      const failing = createBrokerControl({ kind: 'external', url: inner.url, stopCommand: 'exit 3' }, dir);
      await failing.start();
      await expect(failing.stop('graceful')).rejects.toThrow(/exit 3/);
    } finally {
      await inner.dispose();
    }
  });
});
