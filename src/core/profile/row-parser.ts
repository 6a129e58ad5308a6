/**
 * Turns the cells of one profile line into readings, checking everything a replay depends on:
 * column count, a readable time, a numeric value, and time never going backwards per sensor.
 * The first error stops the whole replay before anything is published, so messages point at
 * the exact file:line.
 */
import { inputError } from '../errors.js';
import { isBlank, isComment, parseTimeCell, parseValueCell, type ProfileLayout } from './format.js';

/** Why a time cell was refused: a number too far from 1970 for a date, or unreadable. */
function timeProblem(cell: string, layout: ProfileLayout): string {
  if (layout.timeFormat !== 'iso' && parseValueCell(cell, layout.decimalComma) !== undefined) return 'time out of range: a date holds at most ±8.64e15 ms from 1970 (years -271821 to 275760)';
  return `cannot read the time as ${layout.timeFormat}${layout.timeFormat === 'iso' ? ' (a real date: 2024-02-30 is refused)' : ''}`;
}
import type { ProfileRow } from '../records.js';
import { topicProblem } from '../mqtt/topic-template.js';

export class ProfileRowParser {
  private readonly lastTime = new Map<string, number>();

  constructor(
    private readonly layout: ProfileLayout,
    private readonly file: string,
  ) {}

  /** Readings of one line (several for a wide profile); [] for the header, blank and # lines. */
  parse(line: number, cells: readonly string[]): ProfileRow[] {
    const { layout, file } = this;
    if (isBlank(cells) || isComment(cells)) return [];
    if (layout.header && line === this.headerLine) return [];
    if (cells.length !== layout.columnCount) {
      throw inputError({ file, line }, `expected ${layout.columnCount} columns, found ${cells.length}`, cells.join(layout.delimiter === 'whitespace' ? ' ' : layout.delimiter));
    }
    this.checkNoLineBreaks(line, cells);
    const timeCell = cells[layout.timeIndex]!;
    const time = parseTimeCell(timeCell, layout.timeFormat, layout.decimalComma, layout.timezone);
    const timeName = this.columnName(layout.timeIndex, 'time');
    if (time === undefined) throw inputError({ file, line, field: timeName }, timeProblem(timeCell, layout), timeCell);
    const topic = layout.topicIndex === undefined ? undefined : cells[layout.topicIndex]!.trim();
    if (topic !== undefined) {
      const problem = topicProblem(topic);
      if (problem) throw inputError({ file, line, field: this.columnName(layout.topicIndex!, 'topic') }, problem, topic);
    }
    const rows: ProfileRow[] = [];
    for (const column of layout.valueColumns) {
      const sensor = layout.sensorIndex === undefined ? column.sensor : cells[layout.sensorIndex]!.trim();
      if (sensor === '') throw inputError({ file, line, field: this.columnName(layout.sensorIndex!, 'sensor') }, 'empty sensor name', '');
      const valueCell = cells[column.index]!;
      const value = parseValueCell(valueCell, layout.decimalComma);
      if (value === undefined) throw inputError({ file, line, field: this.columnName(column.index, 'value') }, 'value is not a number', valueCell);
      const previous = this.lastTime.get(sensor);
      if (previous !== undefined && time < previous) {
        throw inputError({ file, line, field: timeName }, `time goes backwards for sensor "${sensor}"`, timeCell);
      }
      this.lastTime.set(sensor, time);
      const row: ProfileRow = { line, sensor, time, value };
      if (topic) row.topic = topic;
      rows.push(row);
    }
    return rows;
  }

  /**
   * A cell holding a line break: a quote opened on this line and closed lines later, which would
   * swallow the rows in between into one cell. No profile cell needs a line break: an error.
   */
  private checkNoLineBreaks(line: number, cells: readonly string[]): void {
    cells.forEach((cell, i) => {
      if (!cell.includes('\n') && !cell.includes('\r')) return;
      const breaks = cell.split(/\r\n|\r|\n/).length - 1;
      throw inputError({ file: this.file, line, field: this.columnName(i, `column ${i + 1}`) }, `a quoted cell runs over ${breaks + 1} lines (its quote closes only on line ${line + breaks}); is a quote never closed?`, cell);
    });
  }

  /** The line the header sits on (set by the reader once it has seen it). */
  headerLine = 0;

  private columnName(index: number, fallback: string): string {
    return this.layout.header?.[index] || fallback;
  }
}
