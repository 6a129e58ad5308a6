import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker, type RunningEmbeddedBroker } from '../../src/io/broker/embedded-broker.js';
import { findMosquitto, MosquittoBroker, type MosquittoOptions } from '../../src/io/broker/mosquitto-broker.js';

/**
 * Mosquitto-backed tests run wherever mosquitto is installed. In CI (CI=true) a missing
 * mosquitto is a failure, never a silent skip: .ci/run installs it.
 */
export const mosquittoAvailable: boolean = (() => {
  const found = findMosquitto() !== undefined;
  if (!found && process.env.CI) throw new Error('CI requires mosquitto (apt-get install mosquitto), but it is not installed');
  return found;
})();

const createdDirs: string[] = [];

/** A fresh temporary folder, removed after the test file by removeTempDirs() (test/helpers/setup.ts). */
export function tempDir(prefix = 'sensortrace-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

/** Removes every folder tempDir() made in this test file; returns how many. */
export function removeTempDirs(): number {
  const dirs = createdDirs.splice(0);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  return dirs.length;
}

export async function withEmbeddedBroker<T>(body: (broker: RunningEmbeddedBroker) => Promise<T>): Promise<T> {
  const broker = await startEmbeddedBroker();
  try {
    return await body(broker);
  } finally {
    await broker.close();
  }
}

export async function withMosquitto<T>(
  body: (broker: MosquittoBroker) => Promise<T>,
  options: Partial<MosquittoOptions> = {},
): Promise<T> {
  const dir = tempDir('sensortrace-mosquitto-');
  const broker = new MosquittoBroker({ dir, ...options });
  await broker.start();
  try {
    return await body(broker);
  } finally {
    await broker.stop('crash');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A broker under test: the same suite runs against each (MQTT.js's abstract-suite habit). */
export interface BrokerUnderTest {
  name: 'aedes' | 'mosquitto';
  url: string;
  host: string;
  port: number;
}

export const brokerKinds: Array<'aedes' | 'mosquitto'> = mosquittoAvailable ? ['aedes', 'mosquitto'] : ['aedes'];

export async function withBroker<T>(kind: 'aedes' | 'mosquitto', body: (broker: BrokerUnderTest) => Promise<T>): Promise<T> {
  if (kind === 'aedes') return withEmbeddedBroker((b) => body({ name: 'aedes', url: b.url, host: b.host, port: b.port }));
  return withMosquitto((b) => body({ name: 'mosquitto', url: b.url, host: b.host, port: b.port }));
}
