import { describe, expect, it } from 'vitest';
import { compileLineFormat, verboseLine, type LineMessage } from '../../../src/core/trace/line-format.js';

// 2016-08-10T08:49:03.786368Z — the receive time every case below is printed from.
const at = Date.UTC(2016, 7, 10, 8, 49, 3) + 786.368;
const message: LineMessage = {
  topic: 'sensors/hdd0/temp',
  payload: Buffer.from('1266193804 32'),
  qos: 1,
  retain: true,
  messageId: 7,
  receivedAt: at,
  properties: { userProperties: { seq: '1', sensor: 'hdd0' }, contentType: 'text/plain' },
};

describe('compileLineFormat (mosquitto_sub -F)', () => {
  it.each([
    ['%t %p', 'sensors/hdd0/temp 1266193804 32'],
    ['%q %r %m %l', '1 1 7 13'],
    ['%x', Buffer.from('1266193804 32').toString('hex')],
    ['%X', Buffer.from('1266193804 32').toString('hex').toUpperCase()],
    ['%U', '1470818943.786368000'],
    ['%I', '2016-08-10T08:49:03+0000'],
    ['@Y-@m-@d @H:@M:@S.@N@z', '2016-08-10 08:49:03.786368000+0000'],
    ['@s @j @F @T @a @b @y', '1470818943 223 2016-08-10 08:49:03 Wed Aug 16'],
    ['%P', 'seq:1 sensor:hdd0'],
    ['%C|%R|%E', 'text/plain||'],
    ['100%% @@home', '100% @home'],
    ['a\\tb\\nc\\\\', 'a\tb\nc\\'],
    ['[%10t]', '[sensors/hdd0/temp]'],
    ['[%20t]', '[   sensors/hdd0/temp]'],
    ['[%-20t]', '[sensors/hdd0/temp   ]'],
    ['[%.7t]', '[sensors]'],
    ['[%05q]', '[00001]'],
  ])('%j', (format, expected) => {
    expect(compileLineFormat(format, { utc: true })(message)).toBe(expected);
  });

  it('%j prints the message as JSON with the payload as a string', () => {
    const line = compileLineFormat('%j', { utc: true })(message);
    expect(JSON.parse(line)).toEqual({
      tst: '2016-08-10T08:49:03.786368+0000',
      topic: 'sensors/hdd0/temp',
      qos: 1,
      retain: 1,
      payloadlen: 13,
      mid: 7,
      properties: { 'user-properties': { seq: '1', sensor: 'hdd0' } },
      payload: '1266193804 32',
    });
  });

  it('%J embeds a JSON payload and keeps any other payload a string', () => {
    const format = compileLineFormat('%J', { utc: true });
    const json = { ...message, payload: Buffer.from('{"value":32}') };
    expect(JSON.parse(format(json)).payload).toEqual({ value: 32 });
    expect(JSON.parse(format(message)).payload).toBe('1266193804 32');
  });

  it('prints local time unless told utc', () => {
    const local = new Date(Math.floor(at));
    expect(compileLineFormat('@H')(message)).toBe(String(local.getHours()).padStart(2, '0'));
  });

  it.each([['%k'], ['@Q'], ['%'], ['@']])('rejects %j as a usage error', (format) => {
    expect(() => compileLineFormat(format)).toThrow(expect.objectContaining({ code: 'E_USAGE', option: 'format', message: expect.stringMatching(/^format: unknown/) }));
  });

  it('verboseLine is topic, space, payload', () => {
    expect(verboseLine(message)).toBe('sensors/hdd0/temp 1266193804 32');
  });
});
