/**
 * One error type for the whole toolkit. Library code throws it; only the CLI's main
 * turns it into an exit status (see EXIT_CODES), so every command shares one scheme.
 */
export type ErrorCode =
  | 'E_USAGE' // bad flags or arguments
  | 'E_INPUT' // a file that cannot be read or parsed (profile, log, trace, rules)
  | 'E_OUTPUT' // an output that cannot be written
  | 'E_UNREACHABLE' // broker not reachable (connect timeout, refused, DNS)
  | 'E_AUTH' // broker refused the credentials or the client
  | 'E_BROKER' // broker misbehaved or went away for good
  | 'E_INTERNAL' // a bug
  | 'E_INTERRUPTED'; // stopped by SIGINT/SIGTERM before there was a result to keep (compare)

export const EXIT_CODES: Record<ErrorCode, number> = {
  E_USAGE: 2,
  E_INPUT: 2,
  E_OUTPUT: 2,
  E_UNREACHABLE: 3,
  E_AUTH: 4,
  E_BROKER: 1,
  E_INTERNAL: 1,
  // 128 + SIGINT; the CLI's main answers SIGTERM with 143, as a shell does.
  E_INTERRUPTED: 130,
};

export interface SourceLocation {
  file: string;
  line?: number;
  field?: string;
}

export class SensortraceError extends Error {
  override readonly name = 'SensortraceError';
  constructor(
    message: string,
    readonly code: ErrorCode,
    readonly location?: SourceLocation,
    options?: { cause?: unknown; option?: string },
  ) {
    super(message, options);
    if (options?.option !== undefined) this.option = options.option;
  }

  /** The library option a usage error is about (`loop`); the CLI shows its flag (`--loop`) instead. */
  readonly option?: string;

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

/** `file:line: field: message (found "...")` — the one shape every input error takes. */
export function inputError(
  location: SourceLocation,
  what: string,
  found?: string,
): SensortraceError {
  const where = location.line === undefined ? location.file : `${location.file}:${location.line}`;
  const field = location.field ? ` ${location.field}:` : '';
  const shown = found === undefined ? '' : ` (found "${truncateForMessage(found)}")`;
  return new SensortraceError(`${where}:${field} ${what}${shown}`, 'E_INPUT', location);
}

export function usageError(message: string): SensortraceError {
  return new SensortraceError(message, 'E_USAGE');
}

/**
 * A bad value for a library option, worded in the library's terms: `loop: expected a whole
 * number ≥ 0`. The CLI rewrites the leading option name to the flag the user typed.
 */
export function optionError(option: string, what: string): SensortraceError {
  return new SensortraceError(`${option}: ${what}`, 'E_USAGE', undefined, { option });
}

function truncateForMessage(text: string): string {
  // Cut first: the text may be a line of many megabytes.
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return shown.replace(/[\r\n]/g, ' ');
}

export function isSensortraceError(error: unknown): error is SensortraceError {
  return error instanceof SensortraceError;
}
