import { createHash } from 'node:crypto';

/**
 * An inline script's or style's Content-Security-Policy source: 'sha256-<base64 of the digest of
 * its exact text>'. Our pages allow their own inline code by this hash, never by 'unsafe-inline'.
 */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}
