import { topicMatches } from '../../core/mqtt/topic-filter.js';
import type { RuleSet } from '../../core/rules/rule-set.js';

/**
 * An action publishing onto a topic the processor listens to would feed itself forever. With
 * MQTT 5 the processor subscribes with No Local, so its own publishes never come back: no warning.
 */
export function loopWarnings(ruleSet: RuleSet, subscriptions: ReadonlyArray<{ filter: string }>, v5: boolean): string[] {
  if (v5) return [];
  const warnings: string[] = [];
  for (const rule of ruleSet.rules) {
    for (const action of rule.actions) {
      if ((action.kind === 'publish' || action.kind === 'derive') && action.topic.fixed) {
        const loop = subscriptions.find((s) => topicMatches(s.filter, action.topic.source));
        if (loop) warnings.push(`warning: "${rule.name}" publishes to ${action.topic.source}, which matches the subscription ${loop.filter}: its output comes back as input (use MQTT 5, -V 5, to avoid this)`);
      }
    }
  }
  return warnings;
}
