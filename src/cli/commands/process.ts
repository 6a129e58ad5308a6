import type { Command } from 'commander';
import { checkProcessOutputs } from '../../app/process/process-outputs.js';
import { runProcessor, type ProcessSummary } from '../../app/process/process.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import type { RuleSet } from '../../core/rules/rule-set.js';
import { describeBroker } from '../../io/mqtt/connection.js';
import { loadRules } from '../../io/input/rules-loader.js';
import { applyGiveUp, GIVE_UP_HELP } from '../give-up-flag.js';
import { addConnectionFlags, connectionOptionsFrom, parseInteger, type ConnectionFlagValues } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';

interface ProcessFlagValues extends ConnectionFlagValues {
  log?: string;
  count?: number;
  duration?: string;
  giveUpAfter?: string;
  clean?: boolean;
  reload: string;
  share?: string;
  partitionIdle: string;
  maxPartitions: number;
  validateOnly?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** One line per transform/rule: what it listens to and what it does. */
export function describeRuleSet(ruleSet: RuleSet): string[] {
  const lines: string[] = [];
  for (const d of ruleSet.data) lines.push(`data ${d.name}: ${d.kind === 'file' ? `${d.file} (key ${d.key})` : `last value on ${d.topic}`}`);
  for (const rule of ruleSet.rules) {
    const on = rule.pattern
      ? `${rule.events.map((e) => `${e.name}=${e.filter}`).join(' ')}; ${rule.pattern.kind === 'absent' ? `${rule.events[rule.pattern.steps[0]!]!.name} not followed by ${rule.events[rule.pattern.steps[1]!]!.name}` : rule.pattern.steps.map((s) => rule.events[s]!.name).join(` ${rule.pattern.kind} `)} within ${formatDuration(rule.pattern.withinMs)}`
      : rule.events[0]!.filter;
    const does = rule.actions.map((a) => (a.kind === 'derive' ? `publish ${a.value.source} to ${a.topic.source}` : a.kind === 'publish' ? `publish to ${a.topic.source}` : a.kind === 'csv' ? `csv ${a.file}` : `set ${a.assignments.map(([n]) => n).join(',')}`));
    const time = rule.eventTime ? ` [event time, lateness ${formatDuration(rule.eventTime.latenessMs)}, late: ${rule.eventTime.late}]` : '';
    lines.push(`${rule.kind} ${rule.name}: on ${on}${rule.when ? ` when ${rule.when.source}` : ''}${time} → ${does.join('; ')}`);
  }
  return lines;
}

function summaryLines(s: ProcessSummary): string[] {
  const fired = Object.entries(s.fired).map(([name, n]) => `${name}=${n}`).join(' ');
  return [
    `received ${s.received} (matched ${s.matched}), emitted ${s.emitted}: published ${s.published}, failed ${s.failed}, csv rows ${s.csvRows}; expression errors ${s.errors}`,
    `fired: ${fired}`,
    ...(s.evicted > 0 ? [`partition keys forgotten (idle or over --max-partitions): ${s.evicted}`] : []),
    ...(s.eventTimeRules > 0 ? [`late events (event time): dropped ${s.late.dropped}, corrected ${s.late.corrected}, routed ${s.late.routed}`] : []),
    `stopped by ${s.stoppedBy} after ${formatDuration(s.durationMs)}, reconnects ${s.reconnects}`,
  ];
}

export function registerProcess(command: Command, context: CliContext): void {
  addConnectionFlags(
    command
      .description('Complex event processing: transform events (e.g. X → sin(X)) and run event-condition-action rules between publishers and subscribers')
      .argument('<rules>', 'rules file (YAML or JSON), e.g. rules/sin.yaml')
      .option('--log <file>', 'CSV of every emitted event (at,rule,action,topic,qos,retain,cause,payload); connection events beside it')
      .option('-C, --count <n>', 'stop after this many input messages', parseInteger('--count', 1, Number.MAX_SAFE_INTEGER))
      .option('-W, --duration <duration>', 'stop after this long (e.g. 30s, 5m)')
      .option('--reload <duration>', 'check lookup tables for changes this often and reload them (0: never)', '2s')
      .option('--share <group>', 'join the shared subscription $share/<group>/<filter> for every input filter: processors of one group split the stream (each message goes to one of them)')
      .option('--partition-idle <duration>', 'forget a partition key (sensor, room) not seen for this long: its state, windows and pending patterns', '1h')
      .option('--max-partitions <n>', 'past this many partition keys, forget the least recently seen', parseInteger('--max-partitions', 1, Number.MAX_SAFE_INTEGER), 1_000_000)
      .option('--validate-only', 'check the rules file and its lookup tables, print what it does, and exit')
      .option('-v, --verbose', 'print every emitted event on stdout (topic payload)')
      .option('--give-up-after <duration>', GIVE_UP_HELP)
      .option('--clean', 'rules publishing at QoS 1/2: clean session instead of the default persistent one; risks losing QoS 2 messages the broker had acknowledged with PUBREC when it restarts')
      .option('--quiet', 'no startup or summary lines'),
  )
    .addHelpText('after', `
Examples:
  sensortrace process rules/sin.yaml -h localhost        # cep/x → sin(x) on cep/sin
  sensortrace process rules/overheat.yaml -v --log out/process.csv
  sensortrace process rules/eca.yaml --validate-only`)
    .action(async (rulesPath: string, flags: ProcessFlagValues, self: Command) => {
      const err = (line: string): void => writeLine(context.stderr, line);
      const loaded = await loadRules(rulesPath);
      checkProcessOutputs(loaded, flags.log);
      if (flags.validateOnly) {
        const count = (kind: string): number => loaded.ruleSet.rules.filter((r) => r.kind === kind).length;
        writeLine(context.stdout, `${rulesPath}: valid (${count('transform')} transforms, ${count('rule')} rules)`);
        for (const line of describeRuleSet(loaded.ruleSet)) writeLine(context.stdout, `  ${line}`);
        return;
      }
      const connection = connectionOptionsFrom(flags, context, err);
      applyGiveUp(connection, flags, self);
      if (flags.clean) connection.clean = true;
      const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration');
      const reloadIntervalMs = parseDuration(flags.reload, '--reload');
      const partitionIdleMs = parseDuration(flags.partitionIdle, '--partition-idle');
      const summary = await runProcessor({
        ...(flags.share !== undefined ? { share: flags.share } : {}),
        partitionIdleMs,
        maxPartitions: flags.maxPartitions,
        rules: loaded,
        connection,
        ...(flags.log ? { log: flags.log } : {}),
        ...(flags.count !== undefined ? { count: flags.count } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        reloadIntervalMs,
        signal: context.signal,
        onWarning: err,
        onReload: (name, rows) => {
          if (!flags.quiet) err(`process: reloaded table "${name}" (${rows} rows)`);
        },
        onReady: (subs) => {
          if (!flags.quiet) err(`process: ${loaded.ruleSet.name ?? rulesPath}: listening on ${describeBroker(connection)} to ${subs.map((s) => s.filter).join(', ')} (Ctrl+C to stop)`);
        },
        onEmit: flags.verbose
          ? (e) => writeLine(context.stdout, e.kind === 'csv' ? `${e.file} ${e.row.join(',')}` : `${e.kind === 'late' ? '(late, dropped) ' : ''}${e.topic} ${e.payload}`)
          : undefined,
      });
      if (!flags.quiet) for (const line of summaryLines(summary)) err(line);
    });
}
