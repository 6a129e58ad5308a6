import { inputError } from '../../core/errors.js';
import { readSmallTextFile } from '../../io/input/input-file.js';

/** Reads a `user:password` per line file (`#` comments, blank lines ignored). */
export function readPasswordFile(path: string): Map<string, string> {
  const text = readSmallTextFile(path, 'password file');
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
