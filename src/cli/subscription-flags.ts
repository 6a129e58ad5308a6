import type { Command } from 'commander';
import type { Qos } from '../core/records.js';
import { collect, parseInteger, parseQos } from './connection-flags.js';

/** What trace and watch share: what to subscribe to, which session to keep, when to stop. */
export interface SubscriptionFlagValues {
  topic: string[];
  filterOut: string[];
  qos: Qos;
  count?: number;
  idle?: string;
  duration?: string;
  retained: boolean;
  clean: boolean;
  sessionExpiry?: number;
}

/** Adds the subscription flags (mosquitto_sub's letters); `verb` says what the command does with a message. */
export function addSubscriptionFlags(command: Command, verb: 'record' | 'show'): Command {
  return command
    .option('-t, --topic <filter>', 'topic filter to subscribe to, + and # allowed, $share/<group>/... too (repeatable)', collect, [])
    .option('-T, --filter-out <filter>', `do not ${verb} topics matching this filter (repeatable)`, collect, [])
    .option('-q, --qos <qos>', 'maximum QoS to subscribe with', parseQos, 0)
    .option('-C, --count <n>', `stop after ${verb === 'record' ? 'recording' : 'showing'} N messages`, parseInteger('--count', 1, Number.MAX_SAFE_INTEGER))
    .option('-W, --idle <seconds>', 'stop when nothing arrived for this long (seconds, or 500ms, 2m)')
    .option('--duration <duration>', 'stop after this long (e.g. 90s, 10m)')
    .option('-R, --no-retained', 'skip retained messages delivered at subscribe time (stale values)')
    .option('-c, --no-clean', 'persistent session: the broker keeps our subscription and queues QoS 1/2 messages while we are away (needs -i)')
    .option('--session-expiry <seconds>', 'MQTT 5 session expiry interval; implies a persistent session (needs -V 5 and -i)', parseInteger('--session-expiry', 0, 4294967295));
}
