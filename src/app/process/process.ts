import { statSync } from 'node:fs';
import type { IClientSubscribeOptions, IConnackPacket, IPublishPacket } from 'mqtt';
import { csvLine } from '../../core/csv/csv.js';
import { SensortraceError } from '../../core/errors.js';
import { eventsPathFor, type ConnectionEvent } from '../../core/records.js';
import { RuleEngine, type CsvEmission, type Emission, type RuleEngineStats } from '../../core/rules/engine.js';
import { topicMatches } from '../../core/mqtt/topic-filter.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';
import { systemClock, type Clock } from '../../io/clock.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { openConnection, type ConnectionOptions } from '../../io/mqtt/connection.js';
import { loadLookupTable } from '../../io/input/lookup-table.js';
import { loadRules, type LoadedRules } from '../../io/input/rules-loader.js';

/** Columns of `process --log`: one row per emitted event (publish or csv row). */
export const PROCESS_LOG_COLUMNS = ['at', 'rule', 'action', 'topic', 'qos', 'retain', 'cause', 'payload'] as const;

export interface ProcessOptions {
  /** A rules file path, or rules already loaded with loadRules(). */
  rules: string | LoadedRules;
  connection: ConnectionOptions;
  /** CSV log of every emitted event; connection events go beside it (eventsPathFor). */
  log?: string;
  /** Stop after this many input messages. */
  count?: number;
  durationMs?: number;
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
  stoppedBy: 'signal' | 'count' | 'duration';
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
  const engine = new RuleEngine(loaded.ruleSet, { tables: loaded.tables, onWarning: warn });
  const subscriptions = engine.subscriptions();
  const v5 = options.connection.protocolVersion === 5;
  warnAboutLoops(loaded, subscriptions, v5, warn);

  const events = options.log ? new EventsWriter(eventsPathFor(options.log)) : undefined;
  const log = options.log ? new BufferedFileWriter(options.log, { flushIntervalMs: 1000 }) : undefined;
  log?.write(csvLine([...PROCESS_LOG_COLUMNS]));
  const csvFiles = new Map<string, BufferedFileWriter>();
  let reconnects = 0;
  const onEvent = (event: ConnectionEvent): void => {
    if (event.event === 'reconnect') reconnects++;
    events?.write(event);
    options.onEvent?.(event);
  };

  let connection;
  try {
    connection = await openConnection(options.connection, { source: 'process', onEvent, clock });
  } catch (error) {
    log?.close();
    events?.close();
    throw error;
  }
  const client = connection.client;
  let published = 0;
  let failed = 0;
  let inFlight = 0;
  let csvRows = 0;
  let drained: (() => void) | undefined;
  let stopping = false;
  let stoppedBy: ProcessSummary['stoppedBy'] = 'signal';
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  // An output that cannot be written ends the run; the error is rethrown after cleanup.
  let fatal: unknown;
  const guarded = (body: () => void): void => {
    try {
      body();
    } catch (error) {
      fatal ??= error;
      finish('signal');
    }
  };
  const finish = (why: ProcessSummary['stoppedBy']): void => {
    if (stopping) return;
    stopping = true;
    stoppedBy = why;
    stop();
  };

  const csvWriter = (emission: CsvEmission): BufferedFileWriter => {
    let writer = csvFiles.get(emission.file);
    if (!writer) {
      writer = new BufferedFileWriter(emission.file, { append: true, flushIntervalMs: 1000 });
      if (writer.isEmpty) writer.write(csvLine(emission.columns));
      csvFiles.set(emission.file, writer);
    }
    return writer;
  };
  const carryOut = (emissions: Emission[]): void => {
    for (const emission of emissions) {
      options.onEmit?.(emission);
      if (emission.kind === 'csv') {
        csvWriter(emission).write(csvLine(emission.row));
        csvRows++;
        log?.write(csvLine([emission.at.toFixed(3), emission.rule, 'csv', emission.file, '', '', emission.cause.join(' '), emission.row.join(',')]));
        continue;
      }
      inFlight++;
      const publishOptions: Parameters<typeof client.publish>[2] = { qos: emission.qos, retain: emission.retain };
      if (v5) publishOptions.properties = { userProperties: emission.userProperties };
      client.publish(emission.topic, emission.payload, publishOptions, (error) => {
        if (error) failed++;
        else published++;
        if (--inFlight === 0) drained?.();
      });
      log?.write(csvLine([emission.at.toFixed(3), emission.rule, 'publish', emission.topic, emission.qos, emission.retain, emission.cause.join(' '), emission.payload]));
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  // A wait that starts now ends no sooner than now + the shortest absence window, and a
  // cancelled wait only moves the next deadline later: while the timer is due before that, it
  // stands, and nextDeadline() (a scan over every partition) is not needed for this message.
  const absenceWindows = loaded.ruleSet.rules.filter((r) => r.pattern?.kind === 'absent').map((r) => r.pattern!.withinMs);
  const shortestAbsence = absenceWindows.length > 0 ? Math.min(...absenceWindows) : undefined;
  const schedule = (arrivedAt?: number): void => {
    if (shortestAbsence === undefined || stopping) return;
    if (timer && arrivedAt !== undefined && timerAt <= arrivedAt + shortestAbsence) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const next = engine.nextDeadline();
    if (next === undefined) return;
    timerAt = next;
    timer = setTimeout(() => {
      timer = undefined;
      guarded(() => carryOut(engine.advance(clock.now())));
      schedule();
    }, Math.max(0, next - clock.now() + 1));
  };

  const subscribe = async (): Promise<void> => {
    const map: Record<string, IClientSubscribeOptions> = {};
    for (const s of subscriptions) map[s.filter] = v5 ? { qos: s.qos as 0 | 1 | 2, nl: true } : { qos: s.qos as 0 | 1 | 2 };
    const granted = await client.subscribeAsync(map);
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) throw new SensortraceError(`broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`, 'E_BROKER');
    onEvent({ at: clock.now(), source: 'process', event: 'subscribe', detail: subscriptions.map((s) => `${s.filter} q${s.qos}`).join(' ') });
  };

  client.on('message', (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (stopping) return;
    const message = { topic, payload, at: clock.now(), retain: packet.retain, qos: packet.qos, userProperties: packet.properties?.userProperties };
    guarded(() => carryOut(engine.handle(message)));
    schedule(message.at);
    if (options.count !== undefined && engine.stats.received >= options.count) finish('count');
  });
  // Without a session the broker forgot our subscriptions: make them again.
  client.on('connect', (connack: IConnackPacket) => {
    if (!connack.sessionPresent && !stopping) subscribe().catch((error: Error) => warn(`resubscribe failed: ${error.message}`));
  });

  const onAbort = (): void => finish('signal');
  let durationTimer: NodeJS.Timeout | undefined;
  const reloadTimer = watchTables(loaded, engine, options.reloadIntervalMs ?? 2000, warn, options.onReload);
  try {
    await subscribe();
    options.onReady?.(subscriptions);
    if (options.signal?.aborted) finish('signal');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.durationMs !== undefined) durationTimer = setTimeout(() => finish('duration'), options.durationMs);
    await stopped;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (durationTimer) clearTimeout(durationTimer);
    if (reloadTimer) clearInterval(reloadTimer);
    if (timer) clearTimeout(timer);
    stopping = true;
    if (inFlight > 0) {
      await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
    }
    for (const writer of csvFiles.values()) guarded(() => writer.close());
    guarded(() => log?.close());
    await connection.end(inFlight > 0);
    onEvent({ at: clock.now(), source: 'process', event: 'close' });
    events?.close();
  }
  if (fatal !== undefined) throw fatal;
  return { ...engine.stats, fired: { ...engine.stats.fired }, published, failed, csvRows, reconnects, durationMs: clock.now() - started, stoppedBy };
}

/**
 * Separate data changes while rules run (thresholds edited by hand, a table regenerated): poll
 * the files' modification time and swap a table in only once it has loaded cleanly.
 */
function watchTables(
  loaded: LoadedRules,
  engine: RuleEngine,
  intervalMs: number,
  warn: (message: string) => void,
  onReload?: (name: string, rows: number) => void,
): NodeJS.Timeout | undefined {
  if (intervalMs <= 0 || loaded.tableFiles.length === 0) return undefined;
  const stamp = (path: string): string => {
    try {
      const s = statSync(path);
      return `${s.mtimeMs}:${s.size}`;
    } catch {
      return 'missing';
    }
  };
  const seen = new Map(loaded.tableFiles.map((t) => [t.name, stamp(t.path)]));
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      for (const table of loaded.tableFiles) {
        const now = stamp(table.path);
        if (now === seen.get(table.name) || now === 'missing') continue;
        seen.set(table.name, now);
        try {
          const rows = await loadLookupTable(table.path, table.key);
          engine.setTable(table.name, rows);
          onReload?.(table.name, rows.size);
        } catch (error) {
          warn(`warning: keeping the previous "${table.name}" table: ${(error as Error).message}`);
        }
      }
    })().finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return timer;
}

/** An action publishing onto a topic the processor listens to would feed itself forever. */
function warnAboutLoops(loaded: LoadedRules, subscriptions: Array<{ filter: string }>, v5: boolean, warn: (message: string) => void): void {
  if (v5) return; // subscribed with No Local: our own publishes never come back
  for (const rule of loaded.ruleSet.rules) {
    for (const action of rule.actions) {
      if ((action.kind === 'publish' || action.kind === 'derive') && action.topic.fixed) {
        const loop = subscriptions.find((s) => topicMatches(s.filter, action.topic.source));
        if (loop) warn(`warning: "${rule.name}" publishes to ${action.topic.source}, which matches the subscription ${loop.filter}: its output comes back as input (use MQTT 5, -V 5, to avoid this)`);
      }
    }
  }
}
