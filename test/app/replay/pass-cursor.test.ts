import { describe, expect, it } from 'vitest';
import { PassCursor } from '../../../src/app/replay/pass-cursor.js';

const rows = (...times: number[]) => times.map((time) => ({ line: time + 2, sensor: 's', time, value: time }));

async function drainCursor(cursor: PassCursor): Promise<Array<[number, number]>> {
  const seen: Array<[number, number]> = [];
  for (let item = await cursor.next(); item; item = cursor.take() ?? (await cursor.next())) seen.push([item.row.time, item.pass]);
  return seen;
}

describe('PassCursor', () => {
  it('yields every row of every pass, tagged with the pass; take() is synchronous within a batch', async () => {
    const cursor = new PassCursor(() => [rows(0, 1), rows(2)], 2, () => false);
    expect(cursor.take()).toBeUndefined();
    const first = await cursor.next();
    expect(first).toMatchObject({ row: { time: 0 }, pass: 0 });
    expect(cursor.take()).toMatchObject({ row: { time: 1 }, pass: 0 });
    expect(cursor.take()).toBeUndefined();
    expect(await drainCursor(cursor)).toEqual([[2, 0], [0, 1], [1, 1], [2, 1]]);
    expect(cursor.done).toBe(true);
  });

  it('0 passes repeat until stopped; close() ends it', async () => {
    let stopped = false;
    const cursor = new PassCursor(async function* () {
      yield rows(0);
    }, 0, () => stopped);
    const passes: number[] = [];
    for (let i = 0; i < 5; i++) passes.push((await cursor.next())!.pass);
    expect(passes).toEqual([0, 1, 2, 3, 4]);
    stopped = true;
    expect(await cursor.next()).toBeUndefined();
    const closing = new PassCursor(() => [rows(0, 1)], 0, () => false);
    await closing.next();
    await closing.close();
    expect(closing.done).toBe(true);
  });
});
