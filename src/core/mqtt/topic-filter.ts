import { optionError } from '../errors.js';
import { UNWELCOME } from './topic-template.js';

/**
 * MQTT topic filters, checked before they reach a broker: a broker answers a bad filter with a
 * refused SUBACK or a dropped connection, both far from the typo that caused them. Rules are
 * MQTT 3.1.1 §4.7 / MQTT 5 §4.7-4.8 (shared subscriptions `$share/<group>/<filter>`).
 */

const MAX_UTF8_BYTES = 65_535;
const SHARE_PREFIX = '$share/';

export interface ParsedFilter {
  /** The filter as given (what is sent in SUBSCRIBE). */
  filter: string;
  /** The filter that topics are matched against (without `$share/<group>/`). */
  match: string;
  /** The shared-subscription group, when there is one. */
  shareGroup?: string;
}

/**
 * Throws E_USAGE (exit 2) naming the option the filter came from (`filters: invalid topic filter
 * ...`; the CLI shows its flag) and what is wrong; returns the filter split for matching.
 */
export function parseTopicFilter(filter: string, option = 'filters'): ParsedFilter {
  const fail = (what: string): never => {
    throw optionError(option, `invalid topic filter "${filter}": ${what}`);
  };
  if (filter.length === 0) fail('it is empty');
  if (filter.includes('\u0000')) fail('it contains a NUL character');
  if (UNWELCOME.test(filter)) fail('it contains a control character, non-character or lone surrogate (Mosquitto drops the connection)');
  if (Buffer.byteLength(filter, 'utf8') > MAX_UTF8_BYTES) fail(`it is longer than ${MAX_UTF8_BYTES} bytes`);
  let match = filter;
  let shareGroup: string | undefined;
  if (filter.startsWith(SHARE_PREFIX)) {
    const rest = filter.slice(SHARE_PREFIX.length);
    const slash = rest.indexOf('/');
    if (slash < 0) fail('a shared subscription is $share/<group>/<filter>');
    shareGroup = rest.slice(0, slash);
    if (shareGroup.length === 0) fail('the $share group name is empty');
    if (/[+#]/.test(shareGroup)) fail('the $share group name cannot contain + or #');
    match = rest.slice(slash + 1);
    if (match.length === 0) fail('a shared subscription needs a filter after the group');
  }
  const levels = match.split('/');
  levels.forEach((level, index) => {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) fail("'#' must be a whole level and the last one (e.g. sensors/#)");
    if (level.includes('+') && level !== '+') fail("'+' must be a whole level (e.g. sensors/+/temp)");
  });
  return shareGroup === undefined ? { filter, match } : { filter, match, shareGroup };
}

/** Does a topic name match a filter (without any $share prefix)? Wildcards never match `$SYS`-like topics at the first level. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Matcher for `-T` exclusions: true when any of the filters matches the topic. */
export function anyFilterMatches(filters: readonly ParsedFilter[], topic: string): boolean {
  return filters.some((f) => topicMatches(f.match, topic));
}
