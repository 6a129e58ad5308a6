import { readFileSync } from 'node:fs';
import { SensortraceError, inputError } from '../../core/errors.js';

/** Reads a `user:password` per line file (`#` comments, blank lines ignored). */
export function readPasswordFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SensortraceError(`${path}: cannot read the password file: ${(error as Error).message}`, 'E_INPUT', { file: path }, { cause: error });
  }
  const credentials = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw inputError({ file: path, line: index + 1 }, 'expected user:password');
    credentials.set(line.slice(0, colon), line.slice(colon + 1));
  });
  if (credentials.size === 0) throw inputError({ file: path }, 'no user:password lines');
  return credentials;
}
