import type { Command } from 'commander';
import { watch } from '../../app/watch/watch.js';
import { formatDuration } from '../../core/duration.js';
import { addConnectionFlags, type ConnectionFlagValues } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';
import { addWebFlags, liveViewFrom, type LiveFlags } from '../live-flags.js';
import { addSubscriptionFlags, type SubscriptionFlagValues } from '../subscription-flags.js';
import { traceOptionsFrom } from './trace.js';

interface WatchFlags extends ConnectionFlagValues, Omit<LiveFlags, 'live'>, SubscriptionFlagValues {
  quiet?: boolean;
  sys?: string;
}

export function registerWatch(command: Command, context: CliContext): void {
  addWebFlags(addConnectionFlags(
    addSubscriptionFlags(command.description('show what arrives on the given topics, live (per topic: last value, count, rate, age, recent values); writes no file'), 'show')
      .option('--sys <file>', "record the broker's $SYS counters to FILE meanwhile (the only file watch writes)")
      .option('--quiet', 'no status lines on stderr (errors are still printed)'),
  ))
    .addHelpText('after', `
On a terminal the view is redrawn in place (at most 10 times a second); piped, it prints a line per
topic that changed, once a second, and a line per connection mark (lost, reconnected, session lost).

Examples:
  sensortrace watch -t 'temp/#'
  sensortrace watch -t 'sensors/+/temp' -q 1 --duration 5m
  sensortrace watch -t 'temp/#' --web 8080      # and open http://127.0.0.1:8080/`)
    .action(async (flags: WatchFlags) => {
      const { output: _o, ...options } = traceOptionsFrom({ ...flags, flushInterval: '1s', eol: true }, context, 'watch');
      const status = (line: string): void => {
        if (!flags.quiet) writeLine(context.stderr, line);
      };
      const summary = await watch({ ...options, ...liveViewFrom({ ...flags, live: true }, context, false) });
      const parts = [`${summary.received} shown`, `${summary.reconnects} reconnect${summary.reconnects === 1 ? '' : 's'}`];
      if (summary.sessionsLost) parts.push(`${summary.sessionsLost} session${summary.sessionsLost === 1 ? '' : 's'} lost`);
      status(`watch: ${parts.join(', ')}; ${formatDuration(summary.durationMs)}, stopped by ${summary.stoppedBy}`);
      if (summary.sys) status(`watch: ${summary.sys.rows} $SYS row${summary.sys.rows === 1 ? '' : 's'} to ${summary.sys.output}${summary.sys.error ? ` (warning: ${summary.sys.error})` : ''}`);
    });
}
