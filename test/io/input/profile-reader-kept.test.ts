import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectProfile, inspectProfileKeepingRows, readProfileInTimeOrder } from '../../../src/io/input/profile-reader.js';
import { tempDir } from '../../helpers/brokers.js';

const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/profiles', name);

describe('inspectProfileKeepingRows', () => {
  it.each(['grouped.csv', 'long.csv', 'wide-tab.tsv', 'single.csv'])('%s: the kept rows are the streamed time order, and the summary is inspectProfile’s', async (name) => {
    const path = fixture(name);
    const streamed = [];
    const summary = await inspectProfile(path);
    for await (const r of readProfileInTimeOrder(path, summary)) streamed.push(r);
    const kept = await inspectProfileKeepingRows(path, {}, 1000);
    expect(kept.summary).toEqual(summary);
    expect(kept.rows).toEqual(streamed);
  });

  it('keeps nothing past the limit, or with too many grouped sensors to merge', async () => {
    expect((await inspectProfileKeepingRows(fixture('grouped.csv'), {}, 5)).rows).toBeUndefined();
    const path = join(tempDir(), 'many.csv');
    const lines = ['time,sensor,value'];
    for (let s = 0; s < 300; s++) for (let t = 0; t < 2; t++) lines.push(`${t},s${s},${t}`);
    writeFileSync(path, lines.join('\n') + '\n');
    expect((await inspectProfileKeepingRows(path, {}, 10_000)).rows).toBeUndefined();
  });
});
