import { statSync } from 'node:fs';
import type { RuleEngine } from '../../core/rules/engine.js';
import type { Clock } from '../../io/clock.js';
import { loadLookupTable } from '../../io/input/lookup-table.js';
import type { LoadedRules } from '../../io/input/rules-loader.js';

export interface TableWatcherOptions {
  clock: Clock;
  /** How often to look (ms); 0: never. */
  intervalMs: number;
  onWarning: (message: string) => void;
  onReload?: ((name: string, rows: number) => void) | undefined;
}

/** A file's modification time and size, or 'missing'. */
function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

/**
 * Separate data changes while rules run (thresholds edited by hand, a table regenerated): polls
 * the lookup tables' files and swaps a table in only once it has loaded cleanly; a table that
 * fails to load is reported and the previous one kept. A missing file keeps the previous table too.
 */
export class TableWatcher {
  private readonly seen: Map<string, string>;
  private cancel: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly loaded: LoadedRules,
    private readonly engine: RuleEngine,
    private readonly options: TableWatcherOptions,
  ) {
    this.seen = new Map(loaded.tableFiles.map((t) => [t.name, stamp(t.path)]));
    if (options.intervalMs > 0 && loaded.tableFiles.length > 0) this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  /** The next look, one interval after the last one finished (a slow load never overlaps the next). */
  private arm(): void {
    const { clock, intervalMs } = this.options;
    this.cancel = clock.setTimer(clock.now() + intervalMs, () => {
      void this.check().finally(() => {
        if (!this.stopped) this.arm();
      });
    });
  }

  /** Reloads every table whose file changed since the last look. */
  async check(): Promise<void> {
    for (const table of this.loaded.tableFiles) {
      const now = stamp(table.path);
      if (now === this.seen.get(table.name) || now === 'missing') continue;
      this.seen.set(table.name, now);
      try {
        const rows = await loadLookupTable(table.path, table.key);
        this.engine.setTable(table.name, rows);
        this.options.onReload?.(table.name, rows.size);
      } catch (error) {
        this.options.onWarning(`warning: keeping the previous "${table.name}" table: ${(error as Error).message}`);
      }
    }
  }
}
