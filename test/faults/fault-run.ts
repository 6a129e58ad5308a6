import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compare, type CompareResult } from '../../src/app/compare/compare.js';
import { replay, type ReplaySummary } from '../../src/app/replay/replay.js';
import { trace, type TraceSummary } from '../../src/app/trace/trace.js';
import { eventsPathFor, type ConnectionEvent, type Qos } from '../../src/core/records.js';
import type { SentMessage } from '../../src/core/compare/report.js';
import { EventsWriter } from '../../src/io/logs/events-writer.js';
import { readEvents } from '../../src/io/logs/events-reader.js';
import { MosquittoBroker, type StopKind } from '../../src/io/broker/mosquitto-broker.js';
import { readSentLog } from '../../src/io/logs/sent-log-reader.js';
import { readReceived } from '../../src/io/logs/trace-reader.js';
import { tempDir } from '../helpers/brokers.js';

/**
 * One fault-injection run against a real Mosquitto, composed from the library calls the way
 * `experiment` composes them: a persistent-session tracer, a replayer, the broker stopped by
 * signal in the middle and started again, then compare with the broker events shading the
 * outage. Who reconnects first is steered by the reconnect periods.
 */
export interface FaultSpec {
  qos: Qos;
  stop: StopKind;
  persistence: boolean;
  /** 'replay': the replayer is back long before the tracer; 'trace': the other way round. */
  first: 'replay' | 'trace';
  /** Readings in the profile (sent at `rate` per second). */
  rows?: number;
  rate?: number;
  /** When the broker is stopped, after the replay started (ms), and for how long. */
  stopAtMs?: number;
  downForMs?: number;
}

export interface FaultRun {
  spec: FaultSpec;
  replay: ReplaySummary;
  trace: TraceSummary;
  compared: CompareResult;
  sent: SentMessage[];
  /** seq → times it was recorded. */
  arrivals: Map<number, number>;
  traceEvents: ConnectionEvent[];
  replayEvents: ConnectionEvent[];
  brokerStopAt: number;
  brokerStartAt: number;
  /** First CONNACK after the restart, per client. */
  backAt: { replay: number; trace: number };
  dir: string;
}

const FAST_MS = 100;
// Far enough apart that a slow Mosquitto start on a loaded machine cannot swap the order.
const SLOW_MS = 2000;

function writeProfile(path: string, rows: number): void {
  const lines = ['time,value'];
  for (let i = 0; i < rows; i++) lines.push(`${1_700_000_000 + i},${(20 + (i % 50) / 10).toFixed(1)}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function waitFor(check: () => boolean, timeoutMs: number, quietMs: number, lastChange: () => number): Promise<void> {
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = Date.now();
      if (check() || now - started >= timeoutMs || now - lastChange() >= quietMs) resolve();
      else setTimeout(tick, 25);
    };
    tick();
  });
}

export async function runFault(spec: FaultSpec): Promise<FaultRun> {
  const rows = spec.rows ?? 150;
  const rate = spec.rate ?? 100;
  const stopAtMs = spec.stopAtMs ?? 500;
  const downForMs = spec.downForMs ?? 500;
  const dir = tempDir('sensortrace-fault-');
  const broker = new MosquittoBroker({ dir: join(dir, 'broker'), persistence: spec.persistence, autosaveInterval: 0 });
  const profile = join(dir, 'profile.csv');
  writeProfile(profile, rows);
  const sentPath = join(dir, 'sent.csv');
  const tracePath = join(dir, 'trace.csv');
  const brokerEventsPath = join(dir, 'broker.events.csv');
  const brokerEvents = new EventsWriter(brokerEventsPath);
  const tag = randomBytes(3).toString('hex');
  const topic = `faults/${tag}/{sensor}`;
  const traceAbort = new AbortController();
  const arrivals = new Map<number, number>();
  let lastArrival = Date.now();
  let brokerStopAt = 0;
  let brokerStartAt = 0;
  const backAt = { replay: 0, trace: 0 };
  const onEvent = (event: ConnectionEvent): void => {
    if (event.event !== 'connect') return;
    if (brokerStopAt > 0 && event.at > brokerStopAt) {
      const who = event.source === 'trace' ? 'trace' : 'replay';
      if (backAt[who] === 0) backAt[who] = event.at;
    }
  };
  let restart: Promise<void> = Promise.resolve();
  try {
    await broker.start();
    const base = { host: broker.host, port: broker.port, connectTimeoutMs: 10_000 };
    let ready!: () => void;
    const subscribed = new Promise<void>((resolve) => (ready = resolve));
    const tracing = trace({
      filters: [`faults/${tag}/#`],
      qos: spec.qos,
      output: tracePath,
      connection: { ...base, clientId: `fault-trace-${tag}`, clean: false, reconnectPeriodMs: spec.first === 'trace' ? FAST_MS : SLOW_MS },
      signal: traceAbort.signal,
      onReady: () => ready(),
      onEvent,
      onMessage: (record) => {
        if (record.seq !== undefined) arrivals.set(record.seq, (arrivals.get(record.seq) ?? 0) + 1);
        lastArrival = Date.now();
      },
    });
    await Promise.race([subscribed, tracing]);

    const summary = await replay({
      profile,
      topic,
      pacing: { mode: 'rate', hz: rate },
      qos: spec.qos,
      payloadFormat: 'json',
      connection: { ...base, clientId: `fault-replay-${tag}`, clean: false, reconnectPeriodMs: spec.first === 'replay' ? FAST_MS : SLOW_MS },
      log: sentPath,
      drainTimeoutMs: 8000,
      onEvent,
      onStart: () => {
        restart = (async () => {
          await new Promise((r) => setTimeout(r, stopAtMs));
          brokerStopAt = Date.now();
          brokerEvents.write({ at: brokerStopAt, source: 'broker', event: 'broker_stop', detail: spec.stop });
          await broker.stop(spec.stop);
          await new Promise((r) => setTimeout(r, downForMs));
          await broker.start();
          // The broker is up at the latest when a client had its CONNACK (our port probe can lag).
          brokerStartAt = Math.min(Date.now(), ...[backAt.replay, backAt.trace].filter((t) => t > 0));
          brokerEvents.write({ at: brokerStartAt, source: 'broker', event: 'broker_start', detail: spec.stop });
        })();
      },
    });
    await restart;
    // Bounded drain: until every sent seq was seen, or nothing arrived for a while.
    const lastSeq = summary.sent;
    const replayEnd = Date.now();
    await waitFor(() => arrivals.size >= lastSeq && backAt.trace > 0, 8000, 2500, () => Math.max(lastArrival, replayEnd));
    traceAbort.abort();
    const traced = await tracing;
    brokerEvents.close();
    const compared = await compare({ sent: sentPath, received: [tracePath], events: [brokerEventsPath] });
    const sent = await readSentLog(sentPath);
    // The trace file must agree with what onMessage saw (reading it back through compare's reader).
    const { arrivals: fileArrivals } = await readReceived(tracePath);
    if (fileArrivals.length !== [...arrivals.values()].reduce((a, b) => a + b, 0)) {
      throw new Error(`trace file has ${fileArrivals.length} rows, onMessage saw ${[...arrivals.values()].reduce((a, b) => a + b, 0)}`);
    }
    return {
      spec,
      replay: summary,
      trace: traced,
      compared,
      sent,
      arrivals,
      traceEvents: await readEvents(eventsPathFor(tracePath)),
      replayEvents: await readEvents(eventsPathFor(sentPath)),
      brokerStopAt,
      brokerStartAt,
      backAt,
      dir,
    };
  } finally {
    traceAbort.abort();
    await restart.catch(() => undefined);
    await broker.stop('crash');
  }
}

/** seqs of sent messages never recorded, and of those recorded more than once. */
export function namesOf(run: FaultRun): { lost: number[]; duplicated: number[] } {
  const lost: number[] = [];
  const duplicated: number[] = [];
  for (const s of run.sent) {
    const n = run.arrivals.get(s.seq!) ?? 0;
    if (n === 0) lost.push(s.seq!);
    if (n > 1) duplicated.push(s.seq!);
  }
  return { lost, duplicated };
}
