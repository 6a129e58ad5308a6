import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { systemClock } from '../../src/io/clock.js';

const root = join(import.meta.dirname, '../..');

/**
 * Latency is one process's clock against another's (replay stamps published_at, trace stamps
 * received_at): two processes must agree to well under a millisecond, or a fast arrival shows a
 * negative latency. A child stamps each line it reads; the stamp can only come after ours.
 */
describe('systemClock across processes', () => {
  it('a message stamped by another process never arrives before it was sent', async () => {
    ensureBuilt();
    const script = `import { systemClock } from ${JSON.stringify(join(root, 'dist/io/clock.js'))};
process.stdin.on('data', (d) => { for (const _ of d.toString().trim().split('\\n')) process.stdout.write(systemClock.now() + '\\n'); });`;
    const gaps: number[] = [];
    for (let child = 0; child < 4; child++) {
      const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      const kill = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      try {
        const lines: number[] = [];
        proc.stdout.on('data', (d: Buffer) => lines.push(...d.toString().trim().split('\n').map(Number)));
        for (let i = 0; i < 10; i++) {
          const sentAt = systemClock.now();
          proc.stdin.write('x\n');
          while (lines.length <= i) await new Promise((resolve) => setImmediate(resolve));
          gaps.push(lines[i]! - sentAt);
        }
      } finally {
        clearTimeout(kill);
        proc.kill('SIGKILL');
      }
    }
    expect(gaps).toHaveLength(40);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
