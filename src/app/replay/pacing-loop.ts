import type { PacingRecorder } from '../../core/schedule/pacing-stats.js';
import { plannedOffset, type ScheduleInput } from '../../core/schedule/schedule.js';
import type { Clock } from '../../io/clock.js';
import type { LoopControl } from './loop-control.js';
import type { PassCursor } from './pass-cursor.js';
import type { PublishWindow } from './publish-window.js';
import type { PublishGate } from './replay-types.js';
import type { RowPosition } from './resume.js';
import type { SentRecords } from './sent-records.js';

/** Yield to I/O after this many sends that did not wait for a timer (a backlog, or --max). */
const SENDS_PER_YIELD = 64;

/** Where a sensor's readings go: its connection's window and pacing record (Lane). */
export interface Route {
  window: PublishWindow;
  /** |actual − planned| of every paced send, with its planned time (PacingSplit: connected vs outage). */
  pacing: PacingRecorder;
  /** The connection's number for the sent log (several connections); undefined with one. */
  number: number | undefined;
}

export interface PacingLoopParts {
  clock: Clock;
  control: LoopControl;
  /** A sensor's route; undefined: not this process's (another --partition), skipped. */
  route: (sensor: string) => Route | undefined;
  /** A seq skipped for another partition (the sent log need not wait for it). */
  skip?: (seq: number) => void;
  records: SentRecords;
  schedule: ScheduleInput;
  /** After each send (progress). */
  onSend?: () => void;
  /** Every paced send's error and planned time, for a live view (replay --web). */
  onPacing?: (errorMs: number, plannedAt: number) => void;
  /** Holds rows by planned time (an experiment's cut or a client's return); see PublishGate. */
  gate?: PublishGate;
}

/**
 * Sends each row at `startAt` + its planned offset (absolute offsets from one start time, so
 * lateness never accumulates), never with more than its connection's window limit in flight;
 * with --max as soon as that window has room. Ends with the rows, or when stopped.
 */
export async function sendPaced(parts: PacingLoopParts, rows: PassCursor, from: RowPosition, start: { startAt: number; shiftMs: number }): Promise<void> {
  const { clock, control, schedule } = parts;
  let { item, index } = from;
  let sendsWithoutWait = 0;
  /** When the loop last went on from the gate after waiting there: rows planned before then are late because of it. */
  let gateLeftAt = Number.NEGATIVE_INFINITY;
  while (item && !control.stopped) {
    const { row, pass } = item;
    const route = parts.route(row.sensor);
    if (route === undefined) {
      // Seq numbers stay the whole profile's, so the partitions' sent logs merge without clashes.
      parts.skip?.(++index);
      item = rows.take() ?? (await rows.next());
      continue;
    }
    const offset = plannedOffset(schedule, row.time, index, pass);
    // Held rows wait before the window: everything planned before the gate's moment is handed over first.
    if (offset !== undefined && parts.gate !== undefined && (await passGate(parts.gate, control, start.startAt + offset))) gateLeftAt = clock.now();
    while (!control.stopped && route.window.full) await control.nextWake();
    if (control.stopped) break;
    let plannedAt: number;
    if (offset === undefined) plannedAt = clock.now();
    else {
      plannedAt = start.startAt + offset;
      if (plannedAt > clock.now()) {
        sendsWithoutWait = 0;
        if (!(await control.waitUntil(plannedAt))) break;
      }
    }
    const sentAt = clock.now();
    if (offset !== undefined) {
      // A row held at the gate, or due while the loop waited there, waited out the experiment's outage.
      route.pacing.add(sentAt - plannedAt, plannedAt, gateLeftAt > plannedAt);
      parts.onPacing?.(sentAt - plannedAt, plannedAt);
    }
    const record = parts.records.make(row, pass, index + 1, { startAt: start.startAt, shiftMs: start.shiftMs, plannedAt, sentAt });
    if (route.number !== undefined) record.connection = route.number;
    route.window.publish(record, sentAt);
    index++;
    parts.onSend?.();
    if (++sendsWithoutWait >= SENDS_PER_YIELD) {
      sendsWithoutWait = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Synchronous while the batch lasts: no promise per row.
    item = rows.take() ?? (await rows.next());
  }
  parts.gate?.ended?.();
  if (!rows.done) await rows.close();
}

/** Waits while the gate holds a row planned at `plannedAt` (or until stopped); true when it was held. */
async function passGate(gate: PublishGate, control: LoopControl, plannedAt: number): Promise<boolean> {
  let held = false;
  for (let wait = gate.hold(plannedAt); wait !== undefined && !control.stopped; wait = gate.hold(plannedAt)) {
    held = true;
    await Promise.race([wait, control.nextWake()]);
  }
  return held;
}
