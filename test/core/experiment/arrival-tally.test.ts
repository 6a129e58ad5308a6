import { describe, expect, it } from 'vitest';
import { ArrivalTally } from '../../../src/core/experiment/arrival-tally.js';

describe('ArrivalTally', () => {
  it.each<[string, Array<number | undefined>, number, number]>([
    ['nothing yet', [], 0, 0],
    ['distinct seqs', [1, 2, 3], 3, 3],
    ['a redelivered seq counts once among the distinct', [1, 2, 2, 3, 1], 5, 3],
    ['messages without a seq each count', [undefined, undefined, 1], 3, 3],
  ])('%s', (_name, seqs, received, distinct) => {
    const tally = new ArrivalTally();
    seqs.forEach((seq, i) => tally.note(seq, 100 + i));
    expect(tally.received).toBe(received);
    expect(tally.distinct).toBe(distinct);
    expect(tally.lastAt).toBe(seqs.length === 0 ? 0 : 100 + seqs.length - 1);
  });
});
