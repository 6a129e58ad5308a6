import { csvLine } from '../core/csv.js';
import { SENT_COLUMNS, type SentRecord } from '../core/records.js';
import { BufferedFileWriter, type BufferedFileWriterOptions } from './buffered-file-writer.js';

function ms(value: number | undefined): string {
  return value === undefined ? '' : value.toFixed(3);
}

export function sentLogLine(r: SentRecord): string {
  return csvLine([r.seq, r.sensor, r.topic, r.qos, r.retain, ms(r.profileTime), r.value, ms(r.plannedAt), ms(r.publishedAt), ms(r.ackedAt), r.payload]);
}

/**
 * The replay's sent log (SENT_COLUMNS). A record is written once it is final (on the wire for
 * QoS 0, acknowledged for QoS 1/2, or given up at the end), in seq order: records that finish
 * early wait for the ones before them, so readers can rely on the order.
 */
export class SentLogWriter {
  private readonly writer: BufferedFileWriter;
  private readonly waiting = new Map<number, SentRecord>();
  private nextSeq = 1;

  constructor(path: string, options: BufferedFileWriterOptions = {}) {
    this.writer = new BufferedFileWriter(path, options);
    this.writer.write(csvLine([...SENT_COLUMNS]));
  }

  get path(): string {
    return this.writer.path;
  }

  /** Hands over a finished record; it is written as soon as every earlier seq is. */
  complete(record: SentRecord): void {
    this.waiting.set(record.seq, record);
    for (let next = this.waiting.get(this.nextSeq); next; next = this.waiting.get(this.nextSeq)) {
      this.waiting.delete(this.nextSeq);
      this.writer.write(sentLogLine(next));
      this.nextSeq++;
    }
  }

  /** Writes whatever is still waiting (gaps and all), in seq order. */
  finish(unfinished: Iterable<SentRecord> = []): void {
    for (const r of unfinished) this.waiting.set(r.seq, r);
    for (const seq of [...this.waiting.keys()].sort((a, b) => a - b)) this.writer.write(sentLogLine(this.waiting.get(seq)!));
    this.waiting.clear();
  }

  flush(): void {
    this.writer.flush();
  }

  close(): void {
    this.writer.close();
  }
}
