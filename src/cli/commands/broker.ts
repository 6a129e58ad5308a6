import type { Command } from 'commander';
import { readPasswordFile, startBrokerServer, type BrokerServerOptions } from '../../app/broker/broker-server.js';
import { DEFAULT_MAX_PACKET_BYTES, MQTT_MAX_PACKET_BYTES } from '../../io/broker/packet-size-guard.js';
import { parseInteger, parsePort } from '../connection-flags.js';
import { writeLine, type CliContext } from '../context.js';

interface BrokerFlags {
  port: number;
  bind: string;
  wsPort?: number;
  passwordFile?: string;
  state?: string;
  autosave: number;
  maxPacketSize: number;
  verbose?: boolean;
}

/** `sensortrace broker`: the embedded broker on its own, like `mosquitto -p 1883 -v`. */
export function registerBroker(command: Command, context: CliContext): void {
  command
    .description('run an embedded MQTT 3.1.1 broker (aedes) until Ctrl+C')
    .option('-p, --port <port>', 'MQTT port', parsePort, 1883)
    .option('--bind <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--ws-port <port>', 'also accept MQTT over WebSocket on this port', parsePort)
    .option('--password-file <file>', 'user:password per line; anonymous clients are then refused')
    .option('--state <file>', 'keep sessions, queued and retained messages in this file across restarts (saved on stop)')
    .option('--autosave <seconds>', 'with --state: also save every N seconds (0: only on stop)', parseInteger('--autosave', 0, 86_400), 0)
    .option('--max-packet-size <bytes>', 'close the connection of a client that sends a bigger packet (1024 to 268435455)', parseInteger('--max-packet-size', 1024, MQTT_MAX_PACKET_BYTES), DEFAULT_MAX_PACKET_BYTES)
    .option('-v, --verbose', 'log connects, disconnects and subscriptions to stderr')
    .addHelpText('after', `
Examples:
  sensortrace broker -p 1883 -v
  sensortrace broker --ws-port 8080 --password-file users.txt --state broker-state.json

SIGTERM or Ctrl+C stops it cleanly (with --state, the state is saved); SIGKILL loses what changed since the last save.`)
    .action(async (flags: BrokerFlags) => {
      const verbose = Boolean(flags.verbose);
      const log = (line: string): void => writeLine(context.stderr, `${new Date().toISOString()} ${line}`);
      const options: BrokerServerOptions = { port: flags.port, host: flags.bind, autosaveIntervalS: flags.autosave, maxPacketBytes: flags.maxPacketSize };
      if (flags.wsPort !== undefined) options.wsPort = flags.wsPort;
      if (flags.passwordFile) options.credentials = readPasswordFile(flags.passwordFile);
      if (flags.state) options.stateFile = flags.state;
      // Saves and loads of the state file are always worth a line; connects only with -v.
      options.log = verbose ? log : (line) => (/^state /.test(line) ? log(line) : undefined);
      if (context.signal.aborted) return;
      const broker = await startBrokerServer(options);
      writeLine(context.stdout, `sensortrace broker listening on ${broker.url}${broker.wsUrl ? ` and ${broker.wsUrl}` : ''}`);
      await new Promise<void>((resolve) => {
        if (context.signal.aborted) resolve();
        else context.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await broker.close();
      if (verbose) log('broker stopped');
    });
}
