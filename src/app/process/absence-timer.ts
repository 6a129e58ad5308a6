import type { RuleEngine, Emission } from '../../core/rules/engine.js';
import type { RuleSet } from '../../core/rules/rule-set.js';
import type { Clock } from '../../io/clock.js';

/**
 * Fires the rule engine's timed absences ("A not followed by B within 5 s"): one timer through
 * the clock, set just past the engine's next deadline, re-set after it fires.
 *
 * After a message, the timer is only moved when it has to be: a wait that starts now ends no
 * sooner than now + the shortest absence window, and a cancelled wait only moves the next
 * deadline later, so while the timer is due before that it stands, and nextDeadline() (a scan
 * over every partition) is not needed for this message.
 */
export class AbsenceTimer {
  private cancel: (() => void) | undefined;
  private at = Number.POSITIVE_INFINITY;
  private readonly shortestWindowMs: number | undefined;

  constructor(
    private readonly engine: RuleEngine,
    ruleSet: RuleSet,
    private readonly clock: Clock,
    /** What the engine emitted when a deadline passed. */
    private readonly onDue: (emissions: Emission[]) => void,
    /** True once the processor stops: no timer is set any more. */
    private readonly stopping: () => boolean,
  ) {
    const windows = ruleSet.rules.filter((r) => r.pattern?.kind === 'absent').map((r) => r.pattern!.withinMs);
    this.shortestWindowMs = windows.length > 0 ? Math.min(...windows) : undefined;
  }

  /** After a message that arrived at `arrivedAt`, or (no argument) after a deadline fired. */
  schedule(arrivedAt?: number): void {
    if (this.shortestWindowMs === undefined || this.stopping()) return;
    if (this.cancel && arrivedAt !== undefined && this.at <= arrivedAt + this.shortestWindowMs) return;
    this.stop();
    const next = this.engine.nextDeadline();
    if (next === undefined) return;
    this.at = next;
    // 1 ms past the deadline: an absence is due only once its window has passed (a B arriving at the deadline itself still counts).
    this.cancel = this.clock.setTimer(next + 1, () => {
      this.cancel = undefined;
      this.onDue(this.engine.advance(this.clock.now()));
      this.schedule();
    });
  }

  stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
