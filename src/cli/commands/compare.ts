import type { Command } from 'commander';
import { compare, COMPARE_FORMATS, DEFAULT_COMPARE_FORMATS, type CompareFormat } from '../../app/compare/compare.js';
import { usageError } from '../../core/errors.js';
import type { GnuplotTerminal } from '../../core/chart/gnuplot.js';
import type { Qos } from '../../core/records.js';
import { summaryTable } from '../../core/compare/summary-table.js';
import { collect, parseInteger, parseQos } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';

interface CompareFlags {
  sent: string[];
  received?: string[];
  events: string[];
  output?: string;
  format: string;
  title?: string;
  width: number;
  height: number;
  utc?: boolean;
  gnuplotTerminal: string;
  topic?: string;
  qos?: Qos;
  json?: boolean;
  expect?: string;
  engine?: string;
  memoryLimit?: string;
}

function parseFormats(text: string): CompareFormat[] {
  const formats = text.split(',').map((f) => f.trim().toLowerCase()).filter(Boolean);
  for (const f of formats) if (!(COMPARE_FORMATS as readonly string[]).includes(f)) throw usageError(`--format: unknown output "${f}" (known: ${COMPARE_FORMATS.join(', ')})`);
  return formats as CompareFormat[];
}

export function registerCompare(command: Command, context: CliContext): void {
  command
    .description('compare what was sent with what arrived: exact counts (lost, duplicates, late, out of order, latency) and plots')
    .requiredOption('--sent <files...>', "replay's sent log, or a bare profile (with --topic/--qos as given to replay); several sent logs (replay --partition) are merged")
    .option('--received <files...>', 'trace files (CSV or --jsonl) or mosquitto_sub -F "%U %t %p" recordings; several are merged (shards)')
    .option('--events <file>', 'extra events file (FILE.events.csv beside each input is read anyway); repeatable', collect, [])
    .option('-o, --output <base>', 'write BASE.svg, BASE.png, BASE.gp + BASE.dat, BASE.vl.json, BASE.html (interactive, offline), BASE.json')
    .option('--format <list>', `outputs to write, comma-separated (known: ${COMPARE_FORMATS.join(',')})`, DEFAULT_COMPARE_FORMATS.join(','))
    .option('--title <text>', 'chart title')
    .option('--width <px>', 'chart width in pixels', parseInteger('--width', 300, 20_000), 1200)
    .option('--height <px>', 'chart height in pixels', parseInteger('--height', 250, 20_000), 700)
    .option('--utc', 'times in UTC (default: local time)')
    .option('--gnuplot-terminal <png|svg>', 'what BASE.gp draws to', 'png')
    .option('--topic <template>', 'bare profile only: the topic template replay used, e.g. sensors/{sensor}/temperature')
    .option('-q, --qos <qos>', 'bare profile only: the QoS replay used', parseQos)
    .option('--json', 'print the report as JSON on stdout instead of the table')
    .option('--engine <memory|duckdb>', 'memory (default): in this process; duckdb: the join and every count in DuckDB, spilling to disk beside -o (optional package @duckdb/node-api); same report, charts from a downsample')
    .option('--memory-limit <size>', "--engine duckdb: DuckDB's memory limit, e.g. 2GB (default)")
    .option('--expect <expression>', "the received stream is derived from the sent one: check each value against EXPRESSION of the sent value, e.g. 'sin(value)'")
    .addHelpText('after', `
Examples:
  sensortrace compare --sent out/sent.csv --received out/trace.csv -o out/compare
  sensortrace compare --sent out/sent.csv --received out/trace-a.csv out/trace-b.csv --format png,json -o out/cmp
  sensortrace compare --sent out/sent.csv --received out/trace.csv --format html -o out/cmp   # open out/cmp.html: zoom, tooltips
  sensortrace compare --sent profiles/room-day.csv --topic 'sensors/{sensor}/temperature' -q 1 --received out/sub.txt --utc
  sensortrace compare --sent out/x-sent.csv --received out/sin-trace.csv --expect 'sin(value)'
  sensortrace compare --sent out/p1.csv out/p2.csv out/p3.csv --received out/trace.csv   # replay --partition k/3
  sensortrace compare --sent out/sent.parquet --received out/t1.parquet out/t2.csv --engine duckdb -o out/big

Exit status: 0 done (whatever was lost), 2 bad input or flags, 130/143 stopped by Ctrl+C/SIGTERM before the result existed.`)
    .action(async (flags: CompareFlags) => {
      if (!flags.received?.length) throw usageError('compare: --received <file> is required (repeat it to merge shards)');
      if (flags.gnuplotTerminal !== 'png' && flags.gnuplotTerminal !== 'svg') throw usageError(`--gnuplot-terminal: expected png or svg (found "${flags.gnuplotTerminal}")`);
      const { report, files } = await compare({
        sent: flags.sent,
        received: flags.received ?? [],
        events: flags.events,
        output: flags.output,
        formats: parseFormats(flags.format),
        title: flags.title,
        width: flags.width,
        height: flags.height,
        utc: flags.utc,
        gnuplotTerminal: flags.gnuplotTerminal as GnuplotTerminal,
        topic: flags.topic,
        qos: flags.qos,
        expect: flags.expect,
        ...(flags.engine === undefined ? {} : { engine: flags.engine as 'memory' | 'duckdb' }),
        ...(flags.memoryLimit === undefined ? {} : { memoryLimit: flags.memoryLimit }),
        signal: context.signal,
        onWarning: (message) => writeLine(context.stderr, `sensortrace: warning: ${message}`),
      });
      if (flags.json) writeLine(context.stdout, JSON.stringify(report, null, 2));
      else context.stdout.write(summaryTable(report, { utc: flags.utc }));
      for (const file of files) writeLine(flags.json ? context.stderr : context.stdout, `wrote ${file}`);
    });
}
