/**
 * Topic helpers the rules need beyond topic-filter.ts (matching) and topic-template.ts
 * (topics to publish to): where a filter's wildcards fell, and a filter's problem as text so
 * the rules validator can report it with the rule and field.
 */

/** The levels a filter's `+` and `#` stood for in a topic (for a default sensor name). */
export function wildcardLevels(filter: string, topic: string): string[] {
  const f = filter.split('/');
  const t = topic.split('/');
  const out: string[] = [];
  f.forEach((level, i) => {
    if (level === '+' && t[i] !== undefined) out.push(t[i]!);
    if (level === '#' && i < t.length) out.push(t.slice(i).join('/'));
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
