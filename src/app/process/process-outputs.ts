import { csvLine } from '../../core/csv/csv.js';
import { eventsPathFor, type ConnectionEvent } from '../../core/records.js';
import type { CsvEmission, Emission } from '../../core/rules/engine.js';
import { EventsWriter } from '../../io/logs/events-writer.js';
import { BufferedFileWriter } from '../../io/output/buffered-file-writer.js';

/** Columns of `process --log`: one row per emitted event (publish or csv row). */
export const PROCESS_LOG_COLUMNS = ['at', 'rule', 'action', 'topic', 'qos', 'retain', 'cause', 'payload'] as const;

/** One `--log` row: a publish names its topic, QoS and retain; a csv row its file (and the row as payload). */
export function processLogRow(emission: Emission): Array<string | number | boolean> {
  const head = [emission.at.toFixed(3), emission.rule];
  const cause = emission.cause.join(' ');
  if (emission.kind === 'csv') return [...head, 'csv', emission.file, '', '', cause, emission.row.join(',')];
  return [...head, 'publish', emission.topic, emission.qos, emission.retain, cause, emission.payload];
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
  ) {
    this.events = logPath ? new EventsWriter(eventsPathFor(logPath)) : undefined;
    this.log = logPath ? new BufferedFileWriter(logPath, { flushIntervalMs: 1000 }) : undefined;
    this.log?.write(csvLine([...PROCESS_LOG_COLUMNS]));
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
    let writer = this.csvFiles.get(emission.file);
    if (!writer) {
      writer = new BufferedFileWriter(emission.file, { append: true, flushIntervalMs: 1000 });
      if (writer.isEmpty) writer.write(csvLine(emission.columns));
      this.csvFiles.set(emission.file, writer);
    }
    return writer;
  }
}
