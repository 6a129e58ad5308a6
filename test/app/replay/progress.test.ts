import { describe, expect, it } from 'vitest';
import { ProgressReporter, type ProgressCounts } from '../../../src/app/replay/progress.js';
import type { ReplayProgress } from '../../../src/app/replay/replay-types.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function reporter(plan: { total?: number; expectedMs?: number }) {
  const clock = new FakeClock(0);
  const reports: Array<ReplayProgress & { at: number }> = [];
  const counts: ProgressCounts = { sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, connected: true, reconnects: 0 };
  const progress = new ProgressReporter(clock, (p) => reports.push({ ...p, at: clock.now() }), () => ({ ...counts }), plan);
  return { clock, reports, counts, progress };
}

describe('ProgressReporter (fake clock)', () => {
  it('ticks every 250 ms on the clock while nothing is sent, until stopped', async () => {
    const { clock, reports, progress } = reporter({});
    progress.start();
    await clock.advanceTo(1000);
    expect(reports.map((r) => r.at)).toEqual([250, 500, 750, 1000]);
    progress.stop();
    await clock.advanceTo(2000);
    expect(reports).toHaveLength(4);
    expect(clock.pending).toBe(0);
  });

  it('throttles reports from sends to one per 100 ms; a forced one always goes', async () => {
    const { clock, reports, progress } = reporter({});
    progress.tick();
    await clock.advanceTo(50);
    progress.tick();
    await clock.advanceTo(100);
    progress.tick();
    progress.tick(true);
    expect(reports.map((r) => r.at)).toEqual([0, 100, 100]);
  });

  it('rate from the start time; ETA from the expected duration, else from the rate', async () => {
    const planned = reporter({ total: 100, expectedMs: 10_000 });
    planned.progress.startAt = 1000;
    await planned.clock.advanceTo(3000);
    planned.counts.published = 40;
    planned.counts.sent = 50;
    planned.progress.tick();
    expect(planned.reports[0]).toMatchObject({ sent: 50, published: 40, elapsedMs: 2000, rate: 20, total: 100, etaMs: 8000 });
    const max = reporter({ total: 100 });
    await max.clock.advanceTo(2000);
    max.counts.published = 50;
    max.progress.tick();
    expect(max.reports[0]).toMatchObject({ rate: 25, total: 100, etaMs: 2000 });
    const endless = reporter({});
    endless.progress.tick();
    expect(endless.reports[0]).toEqual({ sent: 0, published: 0, acknowledged: 0, queued: 0, dropped: 0, connected: true, reconnects: 0, elapsedMs: 0, rate: 0, at: 0 });
  });
});
