import type { ArrivalTable } from './arrival-table.js';
import { windowIndexAt, type OutageWindow } from './outages.js';
import type { OutageReport } from './report.js';
import type { SentTable } from './sent-table.js';
import type { Slices } from './slices.js';

/**
 * Each outage window's share of the messages: those sent during it (send time in [start, end))
 * are lost (never arrived), late (first arrived at or after the end; counted as late in their
 * slices too) or on time, so per window `sent = lost + late + on_time`. A window that had not
 * ended has no late messages.
 */
export function attributeOutages(windows: readonly OutageWindow[], sent: SentTable, arrivals: ArrivalTable, firstArrival: Int32Array, slices: Slices): OutageReport[] {
  const outages: OutageReport[] = windows.map((w) => ({ start: w.start, end: w.end, kind: w.kind, sources: w.sources, sent: 0, lost: 0, late: 0, on_time: 0 }));
  if (windows.length === 0) return outages;
  for (let index = 0; index < sent.length; index++) {
    const w = windowIndexAt(windows, sent.sendTime(index));
    if (w < 0) continue;
    const outage = outages[w]!;
    outage.sent++;
    const first = firstArrival[index]!;
    if (first < 0) outage.lost++;
    else if (outage.end !== null && arrivals.receivedAt[first]! >= outage.end) {
      outage.late++;
      for (const acc of slices.of(index)) acc.late++;
    } else outage.on_time++;
  }
  return outages;
}
