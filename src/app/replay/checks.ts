import { optionError } from '../../core/errors.js';
import { topicProblem, type TopicTemplate } from '../../core/mqtt/topic-template.js';
import type { ProfileSummary } from '../../io/input/profile-reader.js';
import type { ReplayOptions } from './replay-types.js';

/** Option values checked before the profile is read. */
export function checkReplayOptions(options: Pick<ReplayOptions, 'loop' | 'maxInflight'>): void {
  const loops = options.loop ?? 1;
  if (!Number.isInteger(loops) || loops < 0) throw optionError('loop', `expected a whole number ≥ 0 (found "${loops}")`);
  const max = options.maxInflight;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw optionError('maxInflight', 'expected a whole number ≥ 1');
}

/** Every sensor of the profile must give a valid topic (or the profile must name its topics). */
export function checkTopics(template: TopicTemplate | undefined, profile: ProfileSummary): void {
  if (!template && !profile.hasTopics) throw optionError('topic', 'required (the profile has no topic column)');
  if (!template) return;
  for (const { name } of profile.sensors) {
    const topic = template.render({ sensor: name, seq: 1, value: 0, time: 0, pass: 1, topic: 'topic' });
    const problem = topicProblem(topic);
    if (problem) throw optionError('topic', `sensor "${name}" gives the topic "${topic}": ${problem}`);
  }
}

/** Resuming continues a sent log: there must be one. */
export function checkResume(options: Pick<ReplayOptions, 'resume' | 'log'>): void {
  if (options.resume && !options.log) throw optionError('resume', 'needs `log`, the sent log to continue');
}
