import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare } from '../../../src/app/compare/compare.js';
import { replay } from '../../../src/app/replay/replay.js';
import { runProcessor } from '../../../src/app/process/process.js';
import { trace } from '../../../src/app/trace/trace.js';
import { tempDir, withEmbeddedBroker } from '../../helpers/brokers.js';

const SENT_HEADER = 'seq,sensor,topic,qos,retain,profile_time,value,planned_at,published_at,acked_at,payload\n';
const TRACE_HEADER = 'received_at,topic,qos,retain,dup,payload,seq,sensor,profile_time,value,published_at,latency_ms\n';

describe('compare --expect (a derived stream)', () => {
  it('matches derived arrivals by reading time across topics and counts wrong derivations', async () => {
    const dir = tempDir();
    const t = 1_700_000_000_000;
    const sent = join(dir, 'sent.csv');
    const received = join(dir, 'derived.csv');
    const xs = [0.5, 1.5, 2, 3];
    writeFileSync(sent, SENT_HEADER + xs.map((x, i) => `${i + 1},x,cep/x,0,0,${t + i * 1000},${x},${t + i * 1000},${t + i * 1000},,${(t + i * 1000) / 1000} ${x}\n`).join(''));
    // sin of each X with 6 decimals, as process publishes it; the third is wrong, the fourth never came.
    const derived = [Math.sin(0.5), Math.sin(1.5), 0.5];
    writeFileSync(
      received,
      TRACE_HEADER + derived.map((v, i) => `${t + i * 1000 + 3},cep/sin,0,0,0,${(t + i * 1000) / 1000} ${v.toFixed(6)},,,${t + i * 1000},${v.toFixed(6)},,\n`).join(''),
    );
    const { report } = await compare({ sent, received: [received], expect: 'sin(value)' });
    expect(report).toMatchObject({ sent: 4, received: 3, delivered: 3, lost: 1, unexpected: 0, value_mismatches: 1 });
    expect(report.match.rule).toBe('time');
    // Without --expect the same files match nothing (other topic) — the flag is what makes the join.
    const plain = await compare({ sent, received: [received] });
    expect(plain.report.unexpected).toBe(3);
  });

  it('rejects an expression it cannot compile with a usage error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 's.csv'), SENT_HEADER);
    writeFileSync(join(dir, 'r.csv'), TRACE_HEADER);
    await expect(compare({ sent: join(dir, 's.csv'), received: [join(dir, 'r.csv')], expect: 'sin(value' })).rejects.toMatchObject({ exitCode: 2 });
    await expect(compare({ sent: join(dir, 's.csv'), received: [join(dir, 'r.csv')], expect: 'constructor.constructor("x")()' })).rejects.toMatchObject({ exitCode: 2 });
  });

  it('replay → process rules/sin.yaml → trace → compare --expect: every derived value is sin of what was sent', async () => {
    await withEmbeddedBroker(async (broker) => {
      const dir = tempDir();
      const profile = join(dir, 'x.csv');
      writeFileSync(profile, 'time,value\n' + Array.from({ length: 20 }, (_, i) => `${1_700_000_000 + i},${(i * 0.37).toFixed(2)}\n`).join(''));
      const connection = { host: broker.host, port: broker.port };
      const stopProcess = new AbortController();
      let processorReady!: () => void;
      const processing = runProcessor({ rules: join(import.meta.dirname, '../../../rules/sin.yaml'), connection, signal: stopProcess.signal, onReady: () => processorReady() });
      await new Promise<void>((resolve) => (processorReady = resolve));
      const stopTrace = new AbortController();
      let seen = 0;
      let tracerReady!: () => void;
      const tracing = trace({
        filters: ['cep/sin'],
        qos: 1,
        output: join(dir, 'derived.csv'),
        connection,
        signal: stopTrace.signal,
        onReady: () => tracerReady(),
        onMessage: () => {
          if (++seen === 20) stopTrace.abort();
        },
      });
      await new Promise<void>((resolve) => (tracerReady = resolve));
      await replay({ profile, topic: 'cep/x', qos: 1, pacing: { mode: 'max' }, payloadFormat: 'plain', connection, log: join(dir, 'sent.csv') });
      await tracing;
      stopProcess.abort();
      await processing;
      const { report } = await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'derived.csv')], expect: 'sin(value)' });
      expect(report).toMatchObject({ sent: 20, delivered: 20, lost: 0, unexpected: 0, value_mismatches: 0 });
      const wrong = await compare({ sent: join(dir, 'sent.csv'), received: [join(dir, 'derived.csv')], expect: 'cos(value)' });
      expect(wrong.report.value_mismatches).toBeGreaterThan(15);
    });
  });
});
