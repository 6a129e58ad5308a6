import type { ConnectionEvent } from '../../core/records.js';
import type { RuleSet } from '../../core/rules/rule-set.js';
import type { Clock } from '../../io/clock.js';
import { openConnection, type ConnectionOptions, type MqttConnection } from '../../io/mqtt/connection.js';
import type { GiveUpWatch } from '../../io/mqtt/give-up.js';
import { discardSession, persistentSession, sessionIdentity, withSessionDetail, type SessionIdentity } from '../../io/mqtt/session.js';
import type { ProcessOutputs } from './process-outputs.js';

/** Rules that publish at QoS 1/2: their acknowledgements must survive a broker restart. */
export function publishesAcknowledged(ruleSet: RuleSet): boolean {
  return ruleSet.rules.some((rule) => rule.actions.some((action) => 'qos' in action && typeof action.qos === 'number' && action.qos > 0));
}

/**
 * The processor's connection. When its rules publish at QoS 1/2, a persistent session (unless
 * `connection.clean`), as replay has, for the same reason: a QoS 2 message the broker has
 * PUBREC'd survives a restart only in a session (its subscriptions then survive too, and what
 * came while it was away is delivered on return). Started fresh: an old session under the
 * same id is ended first.
 */
export async function connectProcessor(connection: ConnectionOptions, context: { ruleSet: RuleSet; log: string | undefined; outputs: ProcessOutputs; clock: Clock; giveUp: GiveUpWatch | undefined; signal: AbortSignal | undefined }): Promise<MqttConnection | undefined> {
  const { outputs, giveUp, signal } = context;
  const identity: SessionIdentity | undefined = publishesAcknowledged(context.ruleSet) && connection.clean !== true ? sessionIdentity('process', connection.clientId, context.log) : undefined;
  const settings = identity ? persistentSession(connection, identity.clientId) : connection;
  const toFile = withSessionDetail(identity, outputs.event);
  const onEvent = (event: ConnectionEvent): void => {
    toFile(event);
    giveUp?.handle(event);
  };
  try {
    if (identity) await discardSession(settings, signal);
    if (signal?.aborted) throw new Error('aborted');
    return await openConnection(settings, { source: 'process', onEvent, clock: context.clock, ...(signal ? { signal } : {}) });
  } catch (error) {
    outputs.closeFiles();
    outputs.closeEvents();
    // Ctrl+C while the broker is still unreachable: stopped, not failed (as replay and trace).
    if (signal?.aborted) return undefined;
    throw error;
  }
}
