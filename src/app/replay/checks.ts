import { optionError } from '../../core/errors.js';
import { checkPartition, partitionOf, type Partition } from '../../core/schedule/partition.js';
import { checkStartAt } from '../../core/schedule/start-at.js';
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

/** Most connections one replay opens. */
export const MAX_CONNECTIONS = 64;

/** --connections, --partition, --start-at: values, and what they do not go with (--resume). */
export function checkScaleOut(options: Pick<ReplayOptions, 'connections' | 'partition' | 'startAt' | 'resume'>, now: number): void {
  const n = options.connections;
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS)) throw optionError('connections', `expected a whole number from 1 to ${MAX_CONNECTIONS}`);
  if (options.partition) checkPartition(options.partition);
  if (options.startAt !== undefined) checkStartAt(options.startAt, now);
  if (!options.resume) return;
  if (options.partition) throw optionError('resume', 'does not go with `partition` (yet)');
  if (options.startAt !== undefined) throw optionError('resume', "does not go with `startAt`: a resumed run keeps the earlier run's rhythm");
}

/** Readings of one pass that fall in the partition (all of them without one). */
export function partitionRows(profile: Pick<ProfileSummary, 'rows' | 'sensors'>, partition: Partition | undefined): number {
  if (!partition) return profile.rows;
  return profile.sensors.reduce((total, s) => total + (partitionOf(s.name, partition.count) === partition.index ? s.rows : 0), 0);
}
