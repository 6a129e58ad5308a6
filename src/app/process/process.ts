import { optionError } from '../../core/errors.js';
import type { Qos } from '../../core/records.js';
import { RuleEngine, type Emission, type RuleEngineStats } from '../../core/rules/engine.js';
import { settlesWithin, systemClock, type Clock } from '../../io/clock.js';
import type { ConnectionEvent } from '../../core/records.js';
import { describeBroker, type ConnectionOptions } from '../../io/mqtt/connection.js';
import { gaveUpError, GiveUpWatch } from '../../io/mqtt/give-up.js';
import { loadRules, type LoadedRules } from '../../io/input/rules-loader.js';
import { AbsenceTimer } from './absence-timer.js';
import { EmissionPublisher } from './emission-publisher.js';
import { loopWarnings } from './loop-warning.js';
import { attachMessageFlow, subscribeAndTell } from './message-flow.js';
import { checkProcessOutputs, ProcessOutputs, ruleCsvFiles } from './process-outputs.js';
import { connectProcessor } from './process-session.js';
import { ProcessStop, type StopReason } from './process-stop.js';
import { TableWatcher } from './table-watcher.js';
import { subscribeAcrossReconnects } from '../../io/mqtt/subscribe-across-reconnects.js';

export { PROCESS_LOG_COLUMNS } from './process-outputs.js';

export interface ProcessOptions {
  /** A rules file path, or rules already loaded with loadRules(). */
  rules: string | LoadedRules;
  /**
   * When the rules publish at QoS 1/2: a persistent session unless `clean` is true (client id:
   * `clientId`, else derived from `log`'s path, else random). `giveUpAfterMs`: see replay.
   */
  connection: ConnectionOptions;
  /** CSV log of every emitted event; connection events go beside it (eventsPathFor). */
  log?: string;
  /** Stop after this many input messages. */
  count?: number;
  durationMs?: number;
  /**
   * Join the shared subscription `$share/<share>/<filter>` for each input filter: the processors
   * of one group split the stream (the broker hands each message to one of them).
   */
  share?: string;
  /** Partition keys not seen for this long are forgotten (default 1 h; core/rules/partitions.ts). */
  partitionIdleMs?: number;
  /** Past this many partition keys the least recently seen is forgotten (default 1,000,000). */
  maxPartitions?: number;
  /** How often to check lookup tables for changes and reload them (ms); 0: never. Default 2000. */
  reloadIntervalMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  /** After SUBACK: the processor is listening. */
  onReady?: (subscriptions: Array<{ filter: string; qos: number }>) => void;
  onEmit?: (emission: Emission) => void;
  onWarning?: (message: string) => void;
  onEvent?: (event: ConnectionEvent) => void;
  /** A lookup table was reloaded after its file changed. */
  onReload?: (name: string, rows: number) => void;
}

export interface ProcessSummary extends RuleEngineStats {
  /** Publishes the broker took (PUBACK/PUBCOMP for QoS 1/2; handed to the socket for QoS 0). */
  published: number;
  /** Publishes that failed (e.g. QoS 0 while disconnected). */
  failed: number;
  csvRows: number;
  reconnects: number;
  durationMs: number;
  stoppedBy: StopReason;
  /** How many rules measure time on the readings (`time: event`); their late events are in `late`. */
  eventTimeRules: number;
}

function partitionLimits(options: ProcessOptions): { partitionIdleMs?: number; maxPartitions?: number } {
  return { ...(options.partitionIdleMs !== undefined ? { partitionIdleMs: options.partitionIdleMs } : {}), ...(options.maxPartitions !== undefined ? { maxPartitions: options.maxPartitions } : {}) };
}

/** `$share/<group>/<filter>` for each filter; the engine still matches messages with the filter itself (they arrive on their own topics). */
export function sharedSubscriptions(subscriptions: Array<{ filter: string; qos: Qos }>, group: string | undefined): Array<{ filter: string; qos: Qos }> {
  if (group === undefined) return subscriptions;
  if (!/^[^/+#]+$/.test(group)) throw optionError('share', `a share name is one topic level without + or # (found "${group}")`);
  return subscriptions.map((s) => ({ ...s, filter: `$share/${group}/${s.filter}` }));
}

/** After a stop, in-flight publishes get this long to be acknowledged before the client goes. */
const SETTLE_MS = 5000;
const SIGNAL_SETTLE_MS = 1000;
/** How long a graceful end (DISCONNECT) may take before the socket is simply closed. */
const END_WAIT_MS = 500;

/** Each emission: told to onEmit, then a CSV row or a publish, and a line in the log. */
function carrier(outputs: ProcessOutputs, publisher: EmissionPublisher, onEmit: ProcessOptions['onEmit']): (emissions: Emission[]) => void {
  return (emissions) => {
    for (const emission of emissions) {
      onEmit?.(emission);
      if (emission.kind === 'csv') outputs.csvRow(emission);
      else if (emission.kind === 'publish') publisher.publish(emission);
      outputs.logEmission(emission);
    }
  };
}

/** Rules that run on the readings' own time (the summary's late-event line is theirs). */
function eventTimeRuleCount(loaded: Awaited<ReturnType<typeof loadRules>>): number {
  return loaded.ruleSet.rules.filter((r) => r.eventTime).length;
}

/**
 * `sensortrace process`: subscribes to what the rules listen to, runs every message through
 * the RuleEngine, and carries out what it emits (publish, CSV row). Timed absences fire from
 * a timer set to the engine's next deadline. Stops on abort, count or duration; then waits
 * (briefly) for in-flight publishes, flushes files and disconnects.
 */
export async function runProcessor(options: ProcessOptions): Promise<ProcessSummary> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const loaded = typeof options.rules === 'string' ? await loadRules(options.rules) : options.rules;
  const warn = options.onWarning ?? (() => undefined);
  const engine = new RuleEngine(loaded.ruleSet, { tables: loaded.tables, onWarning: warn, ...partitionLimits(options) });
  const v5 = options.connection.protocolVersion === 5;
  for (const warning of loopWarnings(loaded.ruleSet, engine.subscriptions(), v5)) warn(warning);
  const subscriptions = sharedSubscriptions(engine.subscriptions(), options.share);

  checkProcessOutputs(loaded, options.log);
  const outputs = new ProcessOutputs(options.log, options.onEvent, ruleCsvFiles(loaded.ruleSet));
  const stop = new ProcessStop();
  const giveUpAfter = options.connection.giveUpAfterMs;
  const giveUp = giveUpAfter === undefined ? undefined : new GiveUpWatch(clock, giveUpAfter, () => stop.finish('signal'));
  const connection = await connectProcessor(options.connection, { ruleSet: loaded.ruleSet, log: options.log, outputs, clock, giveUp, signal: options.signal });
  if (!connection) return { ...engine.stats, fired: { ...engine.stats.fired }, published: 0, failed: 0, csvRows: 0, reconnects: 0, durationMs: clock.now() - started, stoppedBy: 'signal', eventTimeRules: eventTimeRuleCount(loaded) };
  const client = connection.client;
  const publisher = new EmissionPublisher(client, v5);
  const carryOut = carrier(outputs, publisher, options.onEmit);
  const absences = new AbsenceTimer(engine, loaded.ruleSet, clock, (emissions) => stop.guard(() => carryOut(emissions)), () => stop.stopping);
  const subscribe = (): Promise<void> => subscribeAndTell(client, subscriptions, v5, clock, outputs.event);
  // Until the first SUBACK, subscribeAcrossReconnects makes every attempt; after it, the flow
  // subscribes again when a reconnect finds no session (twice would resend retained messages).
  let subscribed = false;
  const resubscribe = (): Promise<void> => (subscribed ? subscribe() : Promise.resolve());
  attachMessageFlow({ client, engine, clock, stop, absences, carryOut, subscribe: resubscribe, count: options.count, onWarning: warn });

  const tables = new TableWatcher(loaded, engine, { clock, intervalMs: options.reloadIntervalMs ?? 2000, onWarning: warn, onReload: options.onReload });
  // Ctrl+C is watched from here, while the SUBSCRIBE may wait for a reconnect; --duration from the SUBACK on.
  const unwatchSignal = stop.watch(options.signal, clock, undefined);
  let unwatchDuration = (): void => undefined;
  try {
    await subscribeAcrossReconnects(client, subscribe, stop.stopped);
    subscribed = true;
    if (!stop.stopping) options.onReady?.(subscriptions);
    unwatchDuration = stop.watch(undefined, clock, options.durationMs);
    await stop.stopped;
  } finally {
    unwatchSignal();
    unwatchDuration();
    tables.stop();
    absences.stop();
    // Event-time rules hold events for the allowed lateness: the stream ends here, they go through now.
    if (!stop.failure) stop.guard(() => carryOut(engine.flush()));
    stop.stopping = true;
    giveUp?.stop();
    // A broker given up on will not acknowledge anything more.
    // After a signal the settle is short: every command stops within 2 s (see docs/reliability.md).
    if (!giveUp?.gaveUp) await publisher.settle(clock, stop.stoppedBy === 'signal' ? SIGNAL_SETTLE_MS : SETTLE_MS);
    outputs.closeFiles((body) => stop.guard(body));
    publisher.flush();
    // Bounded: a connection the broker dropped in the middle of an exchange (a SUBSCRIBE in flight)
    // never lets a graceful end finish, and every command stops within 2 s.
    if (!(await settlesWithin(clock, END_WAIT_MS, connection.end(publisher.inFlight > 0)))) await connection.end(true);
    outputs.event({ at: clock.now(), source: 'process', event: 'close' });
    outputs.closeEvents();
  }
  if (stop.failure) throw stop.failure.error;
  const { published, failed } = publisher;
  if (giveUp?.gaveUp) throw gaveUpError(describeBroker(options.connection), giveUp.downForMs, `published ${published}, failed ${failed}, ${publisher.inFlight} unacknowledged; files are complete`);
  return { ...engine.stats, fired: { ...engine.stats.fired }, published, failed, csvRows: outputs.csvRows, reconnects: outputs.reconnects, durationMs: clock.now() - started, stoppedBy: stop.stoppedBy, eventTimeRules: eventTimeRuleCount(loaded) };
}
