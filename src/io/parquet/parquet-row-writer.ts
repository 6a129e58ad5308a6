import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { SensortraceError } from '../../core/errors.js';
import { parquetSchema, type ParquetColumn } from './parquet-schema.js';

/** Rows per row group: bounded memory while writing (a row group is held until it is full). */
export const PARQUET_ROW_GROUP = 65_536;

type Cell = number | bigint | string | boolean | Uint8Array | null;

/**
 * A Parquet file written one row group at a time: cells are buffered per column, a full group
 * is encoded and appended, close() writes the last group and the footer. The file is valid
 * Parquet only after close(); everything here is synchronous, so close() is safe in a signal path.
 */
export class ParquetRowWriter {
  private readonly writer: ParquetWriter;
  private buffers: Cell[][];
  private closed = false;
  rowsWritten = 0;

  constructor(
    readonly path: string,
    private readonly columns: readonly ParquetColumn[],
    private readonly rowGroup = PARQUET_ROW_GROUP,
  ) {
    try {
      this.writer = new ParquetWriter({ writer: fileWriter(path), schema: parquetSchema(columns), codec: 'SNAPPY', createdBy: 'sensortrace' });
    } catch (error) {
      throw new SensortraceError(`${path}: cannot write: ${(error as Error).message}`, 'E_OUTPUT', { file: path }, { cause: error });
    }
    this.buffers = columns.map(() => []);
  }

  /** One row, cells in column order (null for an absent value). */
  add(cells: readonly Cell[]): void {
    for (let i = 0; i < cells.length; i++) this.buffers[i]!.push(cells[i]!);
    if (this.buffers[0]!.length >= this.rowGroup) this.writeGroup();
  }

  private writeGroup(): void {
    const n = this.buffers[0]!.length;
    if (n === 0) return;
    const columnData = this.columns.map((c, i) => ({ name: c.name, data: this.buffers[i]! as unknown[] }));
    const result = this.writer.write({ columnData: columnData as never, rowGroupSize: n });
    if (result instanceof Promise) throw new Error('unexpected asynchronous Parquet writer');
    this.rowsWritten += n;
    this.buffers = this.columns.map(() => []);
  }

  /** The last row group and the footer: from here on the file is whole. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writeGroup();
    this.writer.finish();
  }
}
