import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { tempDir, withEmbeddedBroker, withMosquitto } from '../helpers/brokers.js';
import { runCli } from '../helpers/cli.js';

const root = join(import.meta.dirname, '../..');
beforeAll(() => ensureBuilt(), 120_000);

async function publish(url: string, topic: string, payloads: string[]): Promise<void> {
  const client = await mqtt.connectAsync(url);
  for (const p of payloads) await client.publishAsync(topic, p, { qos: 1 });
  await client.endAsync();
}

const quote = (arg: string): string => `'${arg.replace(/'/g, `'\\''`)}'`;

/** The CLI under `script`, so its stdout is a pseudo-terminal; Ctrl+C is a ^C typed into it. */
class UnderPty {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    const command = ['stty cols 120 rows 30;', 'exec', quote(process.execPath), quote(join(root, 'dist/cli/bin.js')), ...args.map(quote)].join(' ');
    this.child = spawn('script', ['-q', '-c', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      this.output += d.toString();
      for (const w of this.waiters) w();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once the output matches; rejects after `ms` with what was seen. */
  waitFor(pattern: RegExp, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(this.output)) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${JSON.stringify(this.output.slice(-2000))}`)), ms);
      this.waiters.push(check);
      check();
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

describe('watch', () => {
  it('on a terminal: redraws in place with the new count after messages arrive; Ctrl+C stops it within 2 s', async () => {
    await withMosquitto(async (broker) => {
      const pty = new UnderPty(['watch', '-p', String(broker.port), '-t', 'temp/#']);
      try {
        await pty.waitFor(/subscribed · 0 reconnects/);
        await publish(broker.url, 'temp/random', ['20.5', '21.5', '22.5']);
        await pty.waitFor(/temp\/random\s+3\s/);
        // Redrawn in place: cursor up over the previous frame, each line erased to its end.
        expect(pty.output.split('\u001b[').some((part) => /^\d+F/.test(part))).toBe(true);
        expect(pty.output).toContain('\u001b[K');
        await publish(broker.url, 'temp/random', ['23.5', '24.5']);
        // count, rate, age, the sparkline's block(s), the last value
        await pty.waitFor(/temp\/random\s+5\s+[\d.]+\s+[\d.]+s\s+[▁-█]+\s+24\.5/);
        const asked = Date.now();
        pty.child.stdin.write('\u0003');
        expect(await pty.exited).toBe(0);
        expect(Date.now() - asked).toBeLessThan(2000);
        expect(pty.output).toMatch(/watch: 5 shown, 0 reconnects; .*stopped by signal/);
        expect(pty.output).toContain('\u001b[?25h'); // the cursor is back
      } finally {
        pty.kill();
      }
    });
  }, 30_000);

  it('a restart of the broker shows as connection lost, then reconnected', async () => {
    await withMosquitto(async (broker) => {
      const pty = new UnderPty(['watch', '-p', String(broker.port), '-t', 'temp/#']);
      try {
        await pty.waitFor(/subscribed · 0 reconnects/);
        await broker.restart('graceful', 200);
        await pty.waitFor(/subscribed · 1 reconnect\b/);
        expect(pty.output).toMatch(/\d\d:\d\d:\d\d connection lost/);
        expect(pty.output).toMatch(/\d\d:\d\d:\d\d reconnected \(session present: no\)/);
        pty.child.stdin.write('\u0003');
        expect(await pty.exited).toBe(0);
      } finally {
        pty.kill();
      }
    });
  }, 30_000);

  it('not a terminal: plain lines, one per topic that changed; -C stops it', async () => {
    await withEmbeddedBroker(async (broker) => {
      const running = runCli(['watch', '-p', String(broker.port), '-t', 'sensors/#', '-C', '4', '--connect-timeout', '5s']);
      // No readiness line to wait for in-process: publish until the watcher has seen 4.
      const client = await mqtt.connectAsync(broker.url);
      let done = false;
      void running.finally(() => (done = true));
      for (let i = 0; !done && i < 200; i++) {
        await client.publishAsync(i % 2 ? 'sensors/a' : 'sensors/b\u001b[2J', String(i), { qos: 1 });
        await new Promise((r) => setTimeout(r, 20));
      }
      await client.endAsync();
      const { code, stdout, stderr } = await running;
      expect(code).toBe(0);
      expect(stdout).not.toContain('\u001b');
      const last = new Map<string, string>();
      for (const line of stdout.trim().split('\n')) {
        const m = /^\d\d:\d\d:\d\d (\S+) count=(\d+) rate=[\d.]+\/s last=\S+$/.exec(line);
        expect(m, line).not.toBeNull();
        last.set(m![1]!, m![2]!);
      }
      expect(Number(last.get('sensors/a') ?? 0) + Number(last.get('sensors/b\uFFFD[2J') ?? 0)).toBe(4);
      expect(stderr).toMatch(/watch: 4 shown, 0 reconnects; .*stopped by count/);
    });
  }, 30_000);

  it('trace --live --web records every message while both views run', async () => {
    await withMosquitto(async (broker) => {
      const dir = tempDir('sensortrace-watch-');
      const out = join(dir, 'trace.csv');
      const pty = new UnderPty(['trace', '--live', '--web', '0', '-p', String(broker.port), '-t', 'temp/#', '-q', '1', '-o', out]);
      try {
        await pty.waitFor(/subscribed · 0 reconnects/);
        const url = /live page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(pty.output)![1]!;
        const lines = Array.from({ length: 2000 }, (_, i) => String(i));
        const pub = spawnSync('mosquitto_pub', ['-p', String(broker.port), '-t', 'temp/burst', '-q', '1', '-l'], { input: `${lines.join('\n')}\n`, timeout: 20_000 });
        expect(pub.status).toBe(0);
        await pty.waitFor(/temp\/burst\s+2000\s/);
        const state = (await (await fetch(`${url}api/state`)).json()) as { total: number; topics: Array<{ topic: string; count: number; last_value: number }> };
        expect(state.total).toBe(2000);
        expect(state.topics).toEqual([expect.objectContaining({ topic: 'temp/burst', count: 2000, last_value: 1999 })]);
        pty.child.stdin.write('\u0003');
        expect(await pty.exited).toBe(0);
        expect(pty.output).toMatch(/trace: 2000 recorded to .*trace\.csv/);
        expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(2001);
      } finally {
        pty.kill();
      }
      // Mosquitto's default queue (1000) would drop part of a burst a QoS 1 subscriber has not acknowledged yet.
    }, { extraConfig: ['max_queued_messages 0'] });
  }, 60_000);

  it('usage: --live needs the output file; --web takes a port', async () => {
    expect((await runCli(['trace', '--live', '-t', 'x'])).stderr).toContain('--live draws on stdout: give an output file (-o FILE)');
    const bad = await runCli(['watch', '-t', 'x', '--web', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--web: expected a whole number from 0 to 65535');
  });

  it('usage: a topic is required', async () => {
    const { code, stderr } = await runCli(['watch', '-p', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain('watch: give at least one topic filter with -t');
  });
});
