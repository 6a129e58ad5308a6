import type { CompiledRule, RuleSet } from './rule-set.js';

/**
 * Topic helpers the rules need beyond topic-filter.ts (matching) and topic-template.ts
 * (topics to publish to): where a filter's wildcards fell, and a filter's problem as text so
 * the rules validator can report it with the rule and field.
 */

/** The levels a filter's `+` and `#` stood for in a topic (for a default sensor name). */
export function wildcardLevels(filter: string, topic: string): string[] {
  if (!filter.includes('+') && !filter.includes('#')) return [];
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

/** Every filter a rule set names (events, data topics), compiled once. */
export class RuleFilters {
  private readonly matchers = new Map<string, (topic: string) => boolean>();

  constructor(ruleSet: RuleSet) {
    for (const rule of ruleSet.rules) for (const e of rule.events) this.matchers.set(e.filter, filterMatcher(e.filter));
    for (const d of ruleSet.data) if (d.kind === 'topic') this.matchers.set(d.topic, filterMatcher(d.topic));
  }

  matches(filter: string, topic: string): boolean {
    return this.matchers.get(filter)!(topic);
  }

  /** The indexes of the rule's events whose filter matches the topic; undefined when none does. */
  hits(rule: CompiledRule, topic: string): number[] | undefined {
    let hits: number[] | undefined;
    for (let i = 0; i < rule.events.length; i++) if (this.matches(rule.events[i]!.filter, topic)) (hits ??= []).push(i);
    return hits;
  }
}

/**
 * topicMatches (core/mqtt/topic-filter.ts) compiled for one filter: a filter without wildcards
 * is string equality; one with wildcards is split once, not at every message.
 */
export function filterMatcher(filter: string): (topic: string) => boolean {
  const levels = filter.split('/');
  if (!levels.includes('+') && !levels.includes('#')) return (topic) => topic === filter;
  const wildFirst = levels[0] === '+' || levels[0] === '#';
  return (topic) => {
    if (wildFirst && topic.startsWith('$')) return false;
    let start = 0;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return true;
      if (start > topic.length) return false;
      let end = topic.indexOf('/', start);
      if (end < 0) end = topic.length;
      if (level !== '+' && (end - start !== level.length || !topic.startsWith(level, start))) return false;
      start = end + 1;
    }
    return start > topic.length;
  };
}
