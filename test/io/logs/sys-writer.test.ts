import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SysWriter } from '../../../src/io/logs/sys-writer.js';
import { tempDir } from '../../helpers/brokers.js';

describe('SysWriter (broker.sys.csv)', () => {
  it('writes at,topic,value rows (ms with 3 decimals, payload text quoted when needed); append keeps one header', () => {
    const path = join(tempDir(), 'sub', 'broker.sys.csv');
    const first = new SysWriter(path);
    first.write(1000.5, '$SYS/broker/uptime', '12 seconds');
    first.write(1001, '$SYS/abc/new/subscribes', '{"clientId":"x","subs":[]}');
    first.close();
    first.write(1002, '$SYS/broker/uptime', 'after close: dropped');
    const again = new SysWriter(path, { append: true });
    again.write(2000, '$SYS/broker/publish/messages/dropped', '3');
    again.close();
    expect(readFileSync(path, 'utf8')).toBe(
      [
        'at,topic,value',
        '1000.500,$SYS/broker/uptime,12 seconds',
        '1001.000,$SYS/abc/new/subscribes,"{""clientId"":""x"",""subs"":[]}"',
        '2000.000,$SYS/broker/publish/messages/dropped,3',
        '',
      ].join('\n'),
    );
  });
});
