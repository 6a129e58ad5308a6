import { optionError } from '../errors.js';
import { redactUrl } from './redact-url.js';

export const BROKER_URL_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl', 'tls'] as const;

export interface BrokerUrlParts {
  scheme: string;
  host: string;
  /** Absent: the scheme's default (MQTT.js picks it). */
  port?: number;
}

/** A host name, an IPv4 address or a bracketed IPv6 address. */
const HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9._~-]*[a-z0-9_])?)$/i;

/**
 * Checks a broker URL before MQTT.js sees it. MQTT.js reads URLs with Node's legacy url.parse,
 * which takes `mqtt://h:28831x`, `:notaport`, `:-5` or `mqtt://` as "no port" or "no host" and
 * quietly connects to localhost:1883, warns with the whole URL (password included, DEP0170), or
 * throws a stack for `:99999`. Here each is a usage error showing the URL with its password
 * hidden, and never a piece of it quoted on its own (a misplaced `/` in a password would make a
 * piece of the password look like a port).
 */
export function checkBrokerUrl(url: string, option = 'url'): BrokerUrlParts {
  const shown = `"${redactUrl(url)}"`;
  const fail = (what: string): never => {
    throw optionError(option, `${what} in ${shown}`);
  };
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || !scheme || !(BROKER_URL_SCHEMES as readonly string[]).includes(scheme)) {
    throw optionError(option, `expected mqtt://, mqtts://, ws:// or wss:// (found ${shown})`);
  }
  const rest = match[2]!;
  // As url.parse reads it: the authority ends at the first / ? or #, the user info at its last @.
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const hint = end >= 0 && rest.slice(end).includes('@') ? ' (a password holding / ? # must be percent-encoded, e.g. %2F)' : '';
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/s.exec(hostPort)!;
  const host = portMatch[1]!;
  if (host === '') fail(`no host${hint}`);
  if (!HOST.test(host)) fail(`not a host name${hint}`);
  const parts: BrokerUrlParts = { scheme, host };
  const portText = portMatch[2];
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) fail(`the port must be a whole number from 1 to 65535${hint}`);
    parts.port = port;
  }
  return parts;
}
