import { optionError } from '../errors.js';

/**
 * mosquitto_sub's `-F` output format, so scripts written against mosquitto_sub keep working
 * on our trace stream. Supported: %t %p %q %r %m %l %x %X %U %I %j %J %P %C %R %E %F %D %A %S %%,
 * strftime-style @Y @m @d @H @M @S @N @z @s @j @y @e @b @a @F @T @@, escapes \n \t \r \a \e \v \0 \\,
 * and mosquitto 2's `%[-][0][width][.precision]<field>` padding.
 */

export interface LineMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  messageId?: number;
  /** Epoch ms with fraction. */
  receivedAt: number;
  properties?: {
    userProperties?: Record<string, string | string[]>;
    contentType?: string;
    responseTopic?: string;
    messageExpiryInterval?: number;
    payloadFormatIndicator?: boolean;
    correlationData?: Buffer;
    topicAlias?: number;
    subscriptionIdentifier?: number | number[];
  };
}

export interface LineFormatOptions {
  /** Print times in UTC instead of the local time zone (tests, servers). */
  utc?: boolean;
}

export type LineFormatter = (message: LineMessage) => string;

const FIELDS = new Set('tpqrmlxXUIjJPCREFDAS'.split(''));
const TIME_FIELDS = new Set('YmdHMSNzsjyebaFT'.split(''));
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', e: '\x1b', v: '\v', '0': '\0', '\\': '\\' };

type Part = string | ((message: LineMessage) => string);

/** Parses the format once (errors are E_USAGE naming the `format` option, exit 2) and returns a fast formatter. */
export function compileLineFormat(format: string, options: LineFormatOptions = {}): LineFormatter {
  const parts: Part[] = [];
  let literal = '';
  const pushLiteral = (): void => {
    if (literal) parts.push(literal);
    literal = '';
  };
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch === '\\') {
      const next = format[i + 1];
      if (next !== undefined && next in ESCAPES) {
        literal += ESCAPES[next];
        i++;
      } else literal += ch;
    } else if (ch === '@') {
      const next = format[i + 1];
      if (next === '@') literal += '@';
      else if (next !== undefined && TIME_FIELDS.has(next)) {
        pushLiteral();
        parts.push((m) => timeField(next, m.receivedAt, options.utc ?? false));
      } else throw optionError('format', `unknown time field "@${next ?? ''}" in "${format}" (use @@ for a literal @)`);
      i++;
    } else if (ch === '%') {
      const spec = /^%(-?)(0?)(\d*)(?:\.(\d+))?(.)?/.exec(format.slice(i))!;
      const [whole, left, zero, width, precision, field] = spec;
      if (field === '%' && whole === '%%') literal += '%';
      else if (field !== undefined && FIELDS.has(field)) {
        pushLiteral();
        const get = (m: LineMessage): string => messageField(field, m, options.utc ?? false);
        parts.push(width || precision ? (m) => pad(get(m), left === '-', zero === '0', Number(width || 0), precision) : get);
      } else throw optionError('format', `unknown field "${whole}" in "${format}" (use %% for a literal %)`);
      i += whole.length - 1;
    } else literal += ch;
  }
  pushLiteral();
  return (message) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : part(message);
    return out;
  };
}

/** The `-v` line: topic, space, payload. */
export function verboseLine(message: LineMessage): string {
  return `${message.topic} ${message.payload.toString('utf8')}`;
}

function pad(text: string, leftAlign: boolean, zeroPad: boolean, width: number, precision: string | undefined): string {
  const cut = precision === undefined ? text : text.slice(0, Number(precision));
  if (cut.length >= width) return cut;
  return leftAlign ? cut.padEnd(width, ' ') : cut.padStart(width, zeroPad ? '0' : ' ');
}

function messageField(field: string, m: LineMessage, utc: boolean): string {
  const p = m.properties;
  switch (field) {
    case 't':
      return m.topic;
    case 'p':
      return m.payload.toString('utf8');
    case 'q':
      return String(m.qos);
    case 'r':
      return m.retain ? '1' : '0';
    case 'm':
      return String(m.messageId ?? 0);
    case 'l':
      return String(m.payload.length);
    case 'x':
      return m.payload.toString('hex');
    case 'X':
      return m.payload.toString('hex').toUpperCase();
    case 'U':
      return unixSeconds(m.receivedAt);
    case 'I':
      return isoTime(m.receivedAt, utc, false);
    case 'j':
      return jsonLine(m, utc, false);
    case 'J':
      return jsonLine(m, utc, true);
    case 'P':
      return Object.entries(p?.userProperties ?? {})
        .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${k}:${one}`))
        .join(' ');
    case 'C':
      return p?.contentType ?? '';
    case 'R':
      return p?.responseTopic ?? '';
    case 'E':
      return p?.messageExpiryInterval === undefined ? '' : String(p.messageExpiryInterval);
    case 'F':
      return p?.payloadFormatIndicator === undefined ? '' : p.payloadFormatIndicator ? '1' : '0';
    case 'D':
      return p?.correlationData?.toString('utf8') ?? '';
    case 'A':
      return p?.topicAlias === undefined ? '' : String(p.topicAlias);
    case 'S':
      return p?.subscriptionIdentifier === undefined ? '' : [p.subscriptionIdentifier].flat().join(',');
    default:
      return '';
  }
}

/** `1470818943.786368000`: epoch seconds with 9 decimals (our clock resolves microseconds; the rest is zeros). */
function unixSeconds(ms: number): string {
  const { seconds, micros } = split(ms);
  return `${seconds}.${String(micros).padStart(6, '0')}000`;
}

/** Whole seconds and microseconds, in integers so 786.368 ms never prints as 786367 µs. */
function split(ms: number): { seconds: number; micros: number } {
  const total = Math.round(ms * 1000);
  return { seconds: Math.floor(total / 1e6), micros: total - Math.floor(total / 1e6) * 1e6 };
}

interface Parts {
  Y: number;
  m: number;
  d: number;
  H: number;
  M: number;
  S: number;
  weekday: number;
  offsetMinutes: number;
}

function dateParts(ms: number, utc: boolean): Parts {
  const date = new Date(split(ms).seconds * 1000);
  if (utc) {
    return { Y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate(), H: date.getUTCHours(), M: date.getUTCMinutes(), S: date.getUTCSeconds(), weekday: date.getUTCDay(), offsetMinutes: 0 };
  }
  return { Y: date.getFullYear(), m: date.getMonth() + 1, d: date.getDate(), H: date.getHours(), M: date.getMinutes(), S: date.getSeconds(), weekday: date.getDay(), offsetMinutes: -date.getTimezoneOffset() };
}

const two = (n: number): string => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function offset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

function isoTime(ms: number, utc: boolean, micro: boolean): string {
  const p = dateParts(ms, utc);
  const fraction = micro ? `.${String(split(ms).micros).padStart(6, '0')}` : '';
  return `${p.Y}-${two(p.m)}-${two(p.d)}T${two(p.H)}:${two(p.M)}:${two(p.S)}${fraction}${offset(p.offsetMinutes)}`;
}

function timeField(field: string, ms: number, utc: boolean): string {
  const p = dateParts(ms, utc);
  switch (field) {
    case 'Y':
      return String(p.Y);
    case 'y':
      return two(p.Y % 100);
    case 'm':
      return two(p.m);
    case 'd':
      return two(p.d);
    case 'e':
      return String(p.d).padStart(2, ' ');
    case 'H':
      return two(p.H);
    case 'M':
      return two(p.M);
    case 'S':
      return two(p.S);
    case 'N':
      return unixSeconds(ms).split('.')[1]!;
    case 'z':
      return offset(p.offsetMinutes);
    case 's':
      return String(Math.floor(ms / 1000));
    case 'j': {
      const start = utc ? Date.UTC(p.Y, 0, 1) : new Date(p.Y, 0, 1).getTime();
      return String(Math.floor((Math.floor(ms) - start) / 86_400_000) + 1).padStart(3, '0');
    }
    case 'b':
      return MONTHS[p.m - 1]!;
    case 'a':
      return DAYS[p.weekday]!;
    case 'F':
      return `${p.Y}-${two(p.m)}-${two(p.d)}`;
    case 'T':
      return `${two(p.H)}:${two(p.M)}:${two(p.S)}`;
    default:
      return '';
  }
}

/** mosquitto_sub's %j (payload as a string) and %J (payload embedded when it is JSON). */
function jsonLine(m: LineMessage, utc: boolean, embedJson: boolean): string {
  const out: Record<string, unknown> = {
    tst: isoTime(m.receivedAt, utc, true),
    topic: m.topic,
    qos: m.qos,
    retain: m.retain ? 1 : 0,
    payloadlen: m.payload.length,
  };
  if (m.qos > 0 && m.messageId !== undefined) out.mid = m.messageId;
  const userProperties = m.properties?.userProperties;
  if (userProperties && Object.keys(userProperties).length > 0) out.properties = { 'user-properties': userProperties };
  const text = m.payload.toString('utf8');
  let payload: unknown = text;
  if (embedJson) {
    try {
      payload = JSON.parse(text);
    } catch {
      // not JSON: keep it a string rather than failing the whole line as mosquitto_sub does
    }
  }
  out.payload = payload;
  return JSON.stringify(out);
}
