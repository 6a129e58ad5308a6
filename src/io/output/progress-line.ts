import type { Writable } from 'node:stream';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';

export interface ProgressLineOptions {
  /** Draw at all (a terminal, and not --quiet). */
  enabled: boolean;
  /** Redraw at most this often. */
  intervalMs?: number;
  clock?: Clock;
}

/**
 * One status line redrawn in place on a terminal (carriage return + erase to end of line).
 * Throttled so a fast producer costs nothing; any command can use it. Disabled, every call is
 * a no-op, so callers never need to check.
 */
export class ProgressLine {
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private visible = false;
  private readonly intervalMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly stream: Writable,
    private readonly options: ProgressLineOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.clock = options.clock ?? systemClock;
  }

  /** Redraws if enough time has passed (or force); `text` is built only when drawn. */
  update(text: string | (() => string), force = false): void {
    if (!this.options.enabled) return;
    const now = this.clock.now();
    if (!force && now - this.lastDrawn < this.intervalMs) return;
    this.lastDrawn = now;
    const line = typeof text === 'function' ? text() : text;
    this.stream.write(`\r${line}\u001b[K`);
    this.visible = true;
  }

  /** Erases the line, so what follows starts on a clean line. */
  clear(): void {
    if (!this.visible) return;
    this.stream.write('\r\u001b[K');
    this.visible = false;
  }
}
