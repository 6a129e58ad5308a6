import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { Command, Option } from 'commander';
import { usageError } from '../core/errors.js';
import type { Qos } from '../core/records.js';
import type { ConnectionOptions } from '../io/mqtt/connection.js';
import { parseDuration } from '../core/duration.js';
import { checkBrokerUrl } from '../core/mqtt/broker-url.js';
import { readSmallTextFile } from '../io/input/input-file.js';
import type { CliContext } from './context.js';

/**
 * Broker connection flags shared by every command that talks to a broker, spelled as
 * mosquitto_pub/mosquitto_sub spell them (-h host, so help stays on --help).
 */
export function addConnectionFlags(command: Command): Command {
  return command
    .option('-h, --host <host>', 'broker host', 'localhost')
    .option('-p, --port <port>', 'broker port', parsePort, 1883)
    .option('-L, --url <url>', 'broker URL: mqtt://, mqtts://, ws://, wss:// (overrides -h/-p)')
    .option('-i, --id <client-id>', 'client id (default: random; replay and process at QoS 1/2 derive a stable one from --log)')
    .option('-u, --username <user>', 'username')
    .option('-P, --password <password>', 'password (prefer SENSORTRACE_PASSWORD or --password-file: argv is visible to other users)')
    .option('--password-file <file>', 'read the password from the first line of a file')
    .option('--password-prompt', 'ask for the password on the terminal (not echoed)')
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
  passwordPrompt?: boolean;
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

/** A password file holds one line; anything this big is the wrong file. */
const PASSWORD_FILE_BYTES = 64 * 1024;

/**
 * The password from exactly one place: --password-prompt, --password-file, -P or
 * SENSORTRACE_PASSWORD (the environment is the fallback, so an explicit flag wins over it).
 */
function passwordFrom(flags: ConnectionFlagValues, { env, promptPassword }: PasswordSources): string | undefined {
  const explicit = [flags.password !== undefined && '-P', flags.passwordFile && '--password-file', flags.passwordPrompt && '--password-prompt'].filter(Boolean);
  if (explicit.length > 1) throw usageError(`${explicit.join(' and ')}: give the password one way only`);
  if (flags.passwordPrompt) {
    if (!promptPassword) {
      throw usageError('--password-prompt needs a terminal on stdin; in scripts use SENSORTRACE_PASSWORD or --password-file');
    }
    return promptPassword(`password for ${flags.username ?? '(no user)'}@${flags.url ? 'broker' : flags.host}: `);
  }
  if (flags.passwordFile) {
    // A regular file of at most 64 KiB (a FIFO or /dev/zero would hang the read): SENSORTRACE_PASSWORD suits pipes.
    const text = readSmallTextFile(flags.passwordFile, 'password file', PASSWORD_FILE_BYTES);
    return (text.split(/\r?\n/)[0] ?? '').trimEnd();
  }
  return flags.password ?? env.SENSORTRACE_PASSWORD;
}

/** A password on the command line: -P/--password, or a URL with user:password@. */
export function argvCarriesSecret(args: readonly string[]): boolean {
  return args.some((a) => a === '-P' || a === '--password' || a.startsWith('--password=') || (a.startsWith('-P') && !a.startsWith('--')) || /:\/\/[^/\s]*:[^/\s]*@/.test(a));
}

/**
 * A generic process title when argv carries a password, so tools that show titles (ps, top,
 * htop) do not show it. On Linux Node writes the title over the argv memory, which also blanks
 * /proc/PID/cmdline from then on; before this runs (and in shell history) argv stays visible.
 * Without a secret the command line stays as it was: it is what tells one run from another.
 */
export function hideArgvFromProcessTitle(args: readonly string[] = process.argv): void {
  if (argvCarriesSecret(args) && process.title !== 'sensortrace') process.title = 'sensortrace';
}

/** Where a password may come from besides the flags: the environment and the terminal. */
export type PasswordSources = Pick<CliContext, 'env' | 'promptPassword'>;

export function connectionOptionsFrom(flags: ConnectionFlagValues, sources: PasswordSources, warn: (line: string) => void): ConnectionOptions {
  hideArgvFromProcessTitle();
  const password = passwordFrom(flags, sources);
  if (flags.insecure) warn('warning: --insecure: the broker certificate is not verified');
  const options: ConnectionOptions = {
    host: flags.host,
    port: flags.port,
    keepalive: flags.keepalive,
    protocolVersion: flags.protocolVersion.endsWith('5') ? 5 : 4,
    connectTimeoutMs: parseDuration(flags.connectTimeout, '--connect-timeout'),
  };
  if (flags.url) {
    // Checked here too, so a bad URL fails before a profile is read or a file is opened.
    checkBrokerUrl(flags.url);
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

/** A repeatable flag's values, in the order given (`-t a -t b`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

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

/**
 * Reads one line from the controlling terminal with echo off. Synchronous on purpose: the
 * password is needed while commander's options are turned into connection options, before any
 * async work starts, and nothing else runs meanwhile. Echo is restored even if reading fails.
 */
export function readPasswordFromTty(prompt: string): string {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw usageError('--password-prompt: no terminal to ask on; use SENSORTRACE_PASSWORD or --password-file');
  }
  const stty = (arg: string): void => {
    spawnSync('stty', [arg], { stdio: [fd, 'ignore', 'ignore'] });
  };
  try {
    writeSync(fd, prompt);
    stty('-echo');
    const bytes: number[] = [];
    const one = Buffer.alloc(1);
    for (;;) {
      const n = readSync(fd, one, 0, 1, null);
      if (n === 0 || one[0] === 0x0a || one[0] === 0x0d) break;
      bytes.push(one[0]!);
    }
    return Buffer.from(bytes).toString('utf8');
  } finally {
    stty('echo');
    writeSync(fd, '\n');
    closeSync(fd);
  }
}
