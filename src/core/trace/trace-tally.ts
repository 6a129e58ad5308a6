import type { ConnectionEvent } from '../records.js';
import type { SysRecording } from '../sys/sys-counters.js';

export type TraceStopReason = 'count' | 'idle' | 'duration' | 'signal';

export interface TraceSummary {
  /** Messages recorded (handed to the writer / onMessage). */
  received: number;
  /** Rows in the output file at the end (equals received when an output was given). */
  written: number;
  retainedSkipped: number;
  /** Messages received on topics excluded with -T. */
  excluded: number;
  /** Successful reconnections after the first connection. */
  reconnects: number;
  /** Reconnects that found no session (messages queued for us may be lost). */
  sessionsLost: number;
  durationMs: number;
  stoppedBy: TraceStopReason;
  output?: string;
  eventsPath?: string;
  /** The broker's $SYS counters recorded beside the trace (`sys`). */
  sys?: SysRecording;
}

/** What a trace counts while it runs: messages by fate, and reconnects and lost sessions from its events. */
export class TraceTally {
  received = 0;
  excluded = 0;
  retainedSkipped = 0;
  reconnects = 0;
  sessionsLost = 0;
  private connected = false;

  /** Counts a connection event: every connect after the first is a reconnect. */
  noteEvent(event: Pick<ConnectionEvent, 'event'>): void {
    if (event.event === 'connect') {
      if (this.connected) this.reconnects++;
      this.connected = true;
    } else if (event.event === 'session_lost') this.sessionsLost++;
  }

  /** Has `count` messages been recorded (the -C limit)? */
  reached(count: number | undefined): boolean {
    return count !== undefined && this.received >= count;
  }

  summary(end: { written: number; durationMs: number; stoppedBy: TraceStopReason; output?: string; eventsPath?: string }): TraceSummary {
    const summary: TraceSummary = {
      received: this.received,
      written: end.written,
      retainedSkipped: this.retainedSkipped,
      excluded: this.excluded,
      reconnects: this.reconnects,
      sessionsLost: this.sessionsLost,
      durationMs: end.durationMs,
      stoppedBy: end.stoppedBy,
    };
    if (end.output !== undefined) summary.output = end.output;
    if (end.eventsPath !== undefined) summary.eventsPath = end.eventsPath;
    return summary;
  }
}
