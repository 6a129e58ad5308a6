import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { usageError } from '../core/errors.js';
import type { Qos } from '../core/records.js';
import type { ConnectionOptions } from '../io/mqtt-connection.js';
import { parseDuration } from '../core/duration.js';

/**
 * Broker connection flags shared by every command that talks to a broker, spelled as
 * mosquitto_pub/mosquitto_sub spell them (-h host, so help stays on --help).
 */
export function addConnectionFlags(command: Command): Command {
  return command
    .option('-h, --host <host>', 'broker host', 'localhost')
    .option('-p, --port <port>', 'broker port', parsePort, 1883)
    .option('-L, --url <url>', 'broker URL: mqtt://, mqtts://, ws://, wss:// (overrides -h/-p)')
    .option('-i, --id <client-id>', 'client id (default: random)')
    .option('-u, --username <user>', 'username')
    .option('-P, --password <password>', 'password (prefer SENSORTRACE_PASSWORD or --password-file: argv is visible to other users)')
    .option('--password-file <file>', 'read the password from the first line of a file')
    .option('-k, --keepalive <seconds>', 'keepalive interval', parseInteger('--keepalive', 0, 65535), 60)
    .addOption(new Option('-V, --protocol-version <version>', 'MQTT version').choices(['3.1.1', 'mqttv311', '5', 'mqttv5']).default('3.1.1'))
    .option('--connect-timeout <duration>', 'give up if no connection within this time (exit 3)', '10s')
    .option('--cafile <file>', 'CA certificate(s) to verify the broker (enables TLS)')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key (PEM)')
    .option('--insecure', 'do not verify the broker certificate (warns)')
    .option('--will-topic <topic>', 'last-will topic')
    .option('--will-payload <payload>', 'last-will payload', '')
    .option('--will-qos <qos>', 'last-will QoS', parseQos, 0)
    .option('--will-retain', 'retain the last will');
}

export interface ConnectionFlagValues {
  host: string;
  port: number;
  url?: string;
  id?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  keepalive: number;
  protocolVersion: string;
  connectTimeout: string;
  cafile?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  willTopic?: string;
  willPayload: string;
  willQos: Qos;
  willRetain?: boolean;
}

export function connectionOptionsFrom(flags: ConnectionFlagValues, env: NodeJS.ProcessEnv, warn: (line: string) => void): ConnectionOptions {
  let password = flags.password ?? env.SENSORTRACE_PASSWORD;
  if (flags.passwordFile) {
    try {
      password = (readFileSync(flags.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '').trimEnd();
    } catch (error) {
      throw usageError(`--password-file: cannot read ${flags.passwordFile}: ${(error as Error).message}`);
    }
  }
  if (flags.insecure) warn('warning: --insecure: the broker certificate is not verified');
  const options: ConnectionOptions = {
    host: flags.host,
    port: flags.port,
    keepalive: flags.keepalive,
    protocolVersion: flags.protocolVersion.endsWith('5') ? 5 : 4,
    connectTimeoutMs: parseDuration(flags.connectTimeout, '--connect-timeout'),
  };
  if (flags.url) {
    if (!/^(mqtts?|wss?|tcp|ssl|tls):\/\//.test(flags.url)) throw usageError(`--url: expected mqtt://, mqtts://, ws:// or wss:// (found "${flags.url}")`);
    options.url = flags.url;
  }
  if (flags.id) options.clientId = flags.id;
  if (flags.username !== undefined) options.username = flags.username;
  if (password !== undefined) options.password = password;
  if (flags.cafile) options.cafile = flags.cafile;
  if (flags.cert) options.cert = flags.cert;
  if (flags.key) options.key = flags.key;
  if (flags.insecure) options.insecure = true;
  if (flags.willTopic) options.will = { topic: flags.willTopic, payload: flags.willPayload, qos: flags.willQos, retain: Boolean(flags.willRetain) };
  return options;
}

export function parsePort(text: string): number {
  return parseInteger('--port', 1, 65535)(text);
}

export function parseQos(text: string): Qos {
  if (text !== '0' && text !== '1' && text !== '2') throw usageError(`QoS must be 0, 1 or 2 (found "${text}")`);
  return Number(text) as Qos;
}

export function parseInteger(flag: string, min: number, max: number): (text: string) => number {
  return (text: string) => {
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) throw usageError(`${flag}: expected a whole number from ${min} to ${max} (found "${text}")`);
    return value;
  };
}

export function parsePositiveNumber(flag: string): (text: string) => number {
  return (text: string) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw usageError(`${flag}: expected a positive number (found "${text}")`);
    return value;
  };
}
