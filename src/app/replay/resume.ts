import type { Qos, SentRecord } from '../../core/records.js';
import { resumePlan, type ResumePlan } from '../../core/schedule/schedule.js';
import type { Clock } from '../../io/clock.js';
import { readSentLogState } from '../../io/logs/sent-log-writer.js';
import type { PassCursor, PassRow } from './pass-cursor.js';
import type { SentRecords } from './sent-records.js';

/**
 * Where a resumed run starts, from the earlier run's sent log and (QoS 2) its hand-over mark.
 * At QoS 2 the seqs handed to the client but not logged are not sent again; QoS 1 resends them.
 */
export async function readResumePlan(log: string, qos: Qos, connectionColumn = false): Promise<ResumePlan> {
  const state = await readSentLogState(log, { connectionColumn });
  return resumePlan(qos, state.lastSeq, qos === 2 ? state.handedOver : undefined);
}

/** Where the rows stand: the next row to send and its 0-based index over the whole replay. */
export interface RowPosition {
  item: PassRow | undefined;
  index: number;
}

/**
 * Passes over the rows an earlier run logged. The ones it may have sent unlogged are logged as
 * such (seq stays continuous, no published_at) but not sent. Returns the first row to send.
 */
export async function passOverResumed(
  rows: PassCursor,
  from: RowPosition,
  plan: ResumePlan,
  parts: { clock: Clock; records: SentRecords; logUnsent?: (record: SentRecord) => void; stopped: () => boolean },
): Promise<RowPosition> {
  let { item, index } = from;
  while (item && index + 1 < plan.startSeq && !parts.stopped()) {
    const seq = index + 1;
    if (seq >= plan.unknown.from && parts.logUnsent) {
      const now = parts.clock.now();
      parts.logUnsent(parts.records.make(item.row, item.pass, seq, { startAt: now, shiftMs: 0, plannedAt: now, sentAt: now }));
    }
    index++;
    item = rows.take() ?? (await rows.next());
  }
  return { item, index };
}
