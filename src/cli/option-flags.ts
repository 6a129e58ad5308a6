import type { SensortraceError } from '../core/errors.js';

/**
 * Library options whose flag is not simply the option in kebab-case. Library errors name the
 * option (`payloadFormat: ...`); the user typed a flag (`--format`), so that is what they read.
 */
const FLAG_OF: Readonly<Record<string, string>> = {
  payloadFormat: '--format',
  maxInflight: '--max-inflight',
  durationMs: '--duration',
  intervalMs: '--interval',
  rateHz: '--rate',
  idleMs: '--idle',
  filters: '--topic',
  exclude: '--filter-out',
  expected: '--expect',
  formats: '--format',
};

export function flagFor(option: string): string {
  return FLAG_OF[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The error's message with its leading option name replaced by the flag, and other options it
 * mentions in backquotes (`log`) by theirs; other errors are unchanged.
 */
export function messageForCli(error: SensortraceError): string {
  const option = error.option;
  if (option === undefined || !error.message.startsWith(`${option}:`)) return error.message;
  const rest = error.message.slice(option.length).replace(/`(\w+)`/g, (_, name: string) => flagFor(name));
  return `${flagFor(option)}${rest}`;
}
