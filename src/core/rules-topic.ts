/**
 * MQTT topic filters as the broker applies them: `+` one level, `#` this level and below,
 * and topics starting with `$` are not matched by a leading wildcard (MQTT 3.1.1 §4.7.2).
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The levels a filter's `+` and `#` stood for in a topic (for a default sensor name). */
export function wildcardLevels(filter: string, topic: string): string[] {
  const f = filter.split('/');
  const t = topic.split('/');
  const out: string[] = [];
  f.forEach((level, i) => {
    if (level === '+' && t[i] !== undefined) out.push(t[i]!);
    if (level === '#') out.push(t.slice(i).join('/'));
  });
  return out;
}

/** Why a filter is not valid, or undefined when it is. */
export function filterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'a topic filter cannot be empty';
  if (filter.includes('\u0000')) return 'a topic filter cannot contain NUL';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole level and the last one';
    if (level.includes('+') && level !== '+') return '"+" must be a whole level';
  }
  return undefined;
}

/** A topic to publish on may not contain wildcards. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'a topic cannot be empty';
  if (/[+#\u0000]/.test(topic)) return 'a topic to publish on cannot contain "+", "#" or NUL';
  return undefined;
}
