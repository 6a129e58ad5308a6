import { describe, expect, it } from 'vitest';
import { StopLatch } from '../../../src/core/trace/stop-latch.js';

type Reason = 'count' | 'idle' | 'signal';

describe('StopLatch', () => {
  it('the first reason wins; stop actions run once, in order, before stopped resolves', async () => {
    const latch = new StopLatch<Reason>('signal');
    const log: string[] = [];
    latch.onStop(() => log.push('flush'));
    latch.onStop(() => log.push('release'));
    void latch.stopped.then(() => log.push('woken'));
    expect([latch.stopping, latch.reason]).toEqual([false, undefined]);
    latch.stop('count');
    latch.stop('idle');
    await latch.stopped;
    expect([latch.stopping, latch.reason]).toEqual([true, 'count']);
    expect(log).toEqual(['flush', 'release', 'woken']);
  });

  it('fail keeps the first error and stops with the fail reason', () => {
    const latch = new StopLatch<Reason>('signal');
    latch.fail(new Error('disk full'));
    latch.fail(new Error('second'));
    expect(latch.reason).toBe('signal');
    expect(latch.fatal).toEqual({ error: new Error('disk full') });
  });

  it('a failure after a stop keeps the reason but records the error', () => {
    const latch = new StopLatch<Reason>('signal');
    latch.stop('idle');
    latch.fail(new Error('late'));
    expect(latch.reason).toBe('idle');
    expect(latch.fatal?.error).toEqual(new Error('late'));
  });

  it('a stop action that throws makes the fatal error; the other actions still run', () => {
    const latch = new StopLatch<Reason>('signal');
    const log: string[] = [];
    latch.onStop(() => {
      throw new Error('flush failed');
    });
    latch.onStop(() => log.push('second'));
    latch.stop('count');
    expect(log).toEqual(['second']);
    expect(latch.fatal?.error).toEqual(new Error('flush failed'));
    expect(latch.reason).toBe('count');
  });

  it('keep() records an error without stopping; even undefined thrown counts', () => {
    const latch = new StopLatch<Reason>('signal');
    latch.keep(undefined);
    expect(latch.stopping).toBe(false);
    expect(latch.fatal).toEqual({ error: undefined });
  });
});
