import { csvLine } from '../../core/csv/csv.js';
import { eventsPathFor, type ConnectionEvent } from '../../core/records.js';
import type { CsvEmission, Emission } from '../../core/rules/engine.js';
import type { RuleSet } from '../../core/rules/rule-set.js';
import type { LoadedRules } from '../../io/input/rules-loader.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';
import { checkOutputs } from '../../io/output/output-path.js';

/** Columns of `process --log`: one row per emitted event (publish or csv row). */
export const PROCESS_LOG_COLUMNS = ['at', 'rule', 'action', 'topic', 'qos', 'retain', 'cause', 'payload'] as const;

/**
 * One `--log` row: a publish names its topic, QoS and retain; a csv row its file (and the row as
 * payload). Event-time rules add `late-drop` (a late event left out: its topic and payload),
 * `late-route` (a late event passed on to `late_topic`) and `correct` (a late event's corrected
 * emission, publish or csv).
 */
export function processLogRow(emission: Emission): Array<string | number | boolean> {
  const head = [emission.at.toFixed(3), emission.rule];
  const cause = emission.cause.join(' ');
  if (emission.kind === 'late') return [...head, 'late-drop', emission.topic, '', '', cause, emission.payload];
  const action = emission.late === 'correction' ? 'correct' : emission.late === 'routed' ? 'late-route' : emission.kind;
  if (emission.kind === 'csv') return [...head, action === 'correct' ? 'correct-csv' : 'csv', emission.file, '', '', cause, emission.row.join(',')];
  return [...head, action, emission.topic, emission.qos, emission.retain, cause, emission.payload];
}

/** The files the rules' `csv` actions write to, each with the header of the first action naming it. */
export function ruleCsvFiles(ruleSet: RuleSet): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const rule of ruleSet.rules) {
    for (const action of rule.actions) {
      if (action.kind === 'csv' && !files.has(action.file)) files.set(action.file, ['at', 'rule', ...action.columns.map(([name]) => name), 'cause']);
    }
  }
  return files;
}

/**
 * Checks, creating nothing, that every output of a processor could be written (`--validate-only`):
 * the CSV files of the rules and the log, none of them the rules file or a lookup table.
 */
export function checkProcessOutputs(loaded: LoadedRules, logPath?: string): void {
  const outputs = [...ruleCsvFiles(loaded.ruleSet).keys(), ...(logPath ? [logPath, eventsPathFor(logPath)] : [])];
  checkOutputs(outputs, [loaded.path, ...loaded.tableFiles.map((t) => t.path)]);
}

/**
 * The processor's files: the optional `--log` of every emission with its connection events
 * beside it, and the CSV files rules append rows to (opened on first use, header written once
 * when the file is new). Counts reconnects and CSV rows for the summary.
 */
export class ProcessOutputs {
  reconnects = 0;
  csvRows = 0;
  private readonly log: BufferedFileWriter | undefined;
  private readonly events: EventsWriter | undefined;
  private readonly csvFiles = new Map<string, BufferedFileWriter>();

  constructor(
    logPath: string | undefined,
    private readonly onEvent?: (event: ConnectionEvent) => void,
    csvFiles: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {
    // Opened now, header written: a CSV file that cannot be written (/dev/full) fails at the start, not at the rule's first match.
    try {
      for (const [path, columns] of csvFiles) this.openCsv(path, columns);
    } catch (error) {
      this.closeFiles();
      throw error;
    }
    // The log first, its header written now: an unwritable log (/dev/full) fails before its events file is made.
    this.log = logPath ? new BufferedFileWriter(logPath, { flushIntervalMs: 1000 }) : undefined;
    this.log?.write(csvLine([...PROCESS_LOG_COLUMNS]));
    this.log?.flush();
    try {
      this.events = logPath ? new EventsWriter(eventsPathFor(logPath)) : undefined;
    } catch (error) {
      this.log?.close();
      throw error;
    }
  }

  /** A connection event: counted, written beside the log, passed on. */
  readonly event = (event: ConnectionEvent): void => {
    if (event.event === 'reconnect') this.reconnects++;
    this.events?.write(event);
    this.onEvent?.(event);
  };

  csvRow(emission: CsvEmission): void {
    this.csvFile(emission).write(csvLine(emission.row));
    this.csvRows++;
  }

  logEmission(emission: Emission): void {
    this.log?.write(csvLine(processLogRow(emission)));
  }

  /** Flushes and closes the CSV files and the log; each close runs through `guard` so one failure does not skip the others. */
  closeFiles(guard: (body: () => void) => void = (body) => body()): void {
    for (const writer of this.csvFiles.values()) guard(() => writer.close());
    guard(() => this.log?.close());
  }

  /** Last: the events file (the connection's close is its last line). */
  closeEvents(): void {
    this.events?.close();
  }

  private csvFile(emission: CsvEmission): BufferedFileWriter {
    return this.csvFiles.get(emission.file) ?? this.openCsv(emission.file, emission.columns);
  }

  private openCsv(path: string, columns: readonly string[]): BufferedFileWriter {
    const writer = new BufferedFileWriter(path, { append: true, flushIntervalMs: 1000 });
    this.csvFiles.set(path, writer);
    if (writer.isEmpty) {
      writer.write(csvLine([...columns]));
      writer.flush();
    }
    return writer;
  }
}
