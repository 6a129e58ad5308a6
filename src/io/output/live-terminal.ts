import type { Writable } from 'node:stream';
import { frameLines, markText, plainLines, type FrameSize } from '../../core/live/live-lines.js';
import { LIVE_LIMITS, type LiveState } from '../../core/live/live-state.js';
import { systemClock, type Clock } from '../clock.js';

export interface LiveTerminalOptions {
  /** A terminal: redraw in place with ANSI codes. Otherwise plain lines. */
  tty: boolean;
  /** The terminal's size when it has one (re-read at every redraw). */
  size?: () => FrameSize;
  /** Redraw at most this often on a terminal (default 100 ms: 10 times a second). */
  intervalMs?: number;
  /** Plain lines at most this often (default 1 s). */
  plainIntervalMs?: number;
  clock?: Clock;
}

const ESC = '\u001b[';

/**
 * The terminal view: reads the state on its own timer (through the Clock), never per message,
 * so a fast stream costs one redraw per interval. On a terminal the frame is redrawn in place
 * (cursor up over the previous frame, erase each line); otherwise a line per topic that changed,
 * and a line per connection mark as it happens.
 */
export class LiveTerminal {
  private cancel: (() => void) | undefined;
  private drawnRows = 0;
  private drawnVersion = -1;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private marksShown = 0;
  private readonly counts = new Map<string, number>();
  private readonly clock: Clock;

  constructor(
    private readonly state: LiveState,
    private readonly stream: Writable,
    private readonly options: LiveTerminalOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    if (this.options.tty) this.stream.write(`${ESC}?25l`); // hide the cursor while we redraw
    this.schedule();
  }

  /** A last frame (so the final counts stay on screen), then the cursor back. */
  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.draw(true);
    if (this.options.tty) this.stream.write(`${ESC}?25h`);
  }

  private get interval(): number {
    return this.options.tty ? (this.options.intervalMs ?? 100) : (this.options.plainIntervalMs ?? 1000);
  }

  private schedule(): void {
    this.cancel = this.clock.setTimer(this.clock.now() + this.interval, () => {
      this.draw(false);
      this.schedule();
    });
  }

  /** On a terminal, an unchanged state is still redrawn once a second: ages move on. */
  private draw(force: boolean): void {
    const now = this.clock.now();
    const changed = this.state.version !== this.drawnVersion;
    if (!force && !changed && now - this.lastDraw < 1000) return;
    this.drawnVersion = this.state.version;
    this.lastDraw = now;
    const snapshot = this.state.snapshot(now);
    if (this.options.tty) {
      const since = now - LIVE_LIMITS.pointIntervalMs * LIVE_LIMITS.pointsPerTopic;
      const sparks = (topic: string): number[] => this.state.points(topic, since).map(([, v]) => v);
      const lines = frameLines(snapshot, sparks, this.options.size?.() ?? { columns: 100, rows: 30 });
      const up = this.drawnRows > 0 ? `${ESC}${this.drawnRows}F` : '';
      // Erase below too: a frame shorter than the last one leaves no stale rows.
      this.stream.write(`${up}${lines.map((l) => `${l}${ESC}K`).join('\n')}\n${ESC}J`);
      this.drawnRows = lines.length;
      return;
    }
    const fresh = Math.min(snapshot.marks.length, snapshot.marksTotal - this.marksShown);
    const out = snapshot.marks.slice(snapshot.marks.length - fresh).map(markText);
    this.marksShown = snapshot.marksTotal;
    out.push(...plainLines(snapshot, this.counts));
    for (const t of snapshot.topics) this.counts.set(t.topic, t.count);
    if (out.length) this.stream.write(`${out.join('\n')}\n`);
  }
}
