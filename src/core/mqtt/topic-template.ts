/**
 * Topic templates: `sensors/{sensor}/temperature` with fields of the reading. Checked once,
 * before anything is published, so a typo in a field name or a wildcard in a topic stops the
 * run with a clear message instead of publishing to the wrong place.
 */
import { optionError } from '../errors.js';

export const TOPIC_FIELDS = ['sensor', 'seq', 'value', 'time', 'pass', 'topic'] as const;
export type TopicField = (typeof TOPIC_FIELDS)[number];
export type TopicFields = Partial<Record<TopicField, string | number>>;

export interface TopicTemplate {
  source: string;
  fields: ReadonlySet<TopicField>;
  render(fields: TopicFields): string;
}

export function compileTopicTemplate(source: string): TopicTemplate {
  const parts: Array<string | TopicField> = [];
  const fields = new Set<TopicField>();
  const pattern = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = pattern.exec(source); m; m = pattern.exec(source)) {
    const name = m[1]!.trim();
    if (!(TOPIC_FIELDS as readonly string[]).includes(name)) {
      throw optionError('topic', `unknown field {${name}} in "${source}" (known: ${TOPIC_FIELDS.map((f) => `{${f}}`).join(', ')})`);
    }
    parts.push(source.slice(last, m.index));
    parts.push(name as TopicField);
    fields.add(name as TopicField);
    last = m.index + m[0].length;
  }
  parts.push(source.slice(last));
  const literal = parts.filter((_, i) => i % 2 === 0).join('');
  if (/[{}]/.test(literal)) throw optionError('topic', `unbalanced brace in "${source}"`);
  const problem = topicProblem(literal.length > 0 ? literal : 'x');
  if (problem) throw optionError('topic', `${problem} in "${source}"`);
  return {
    source,
    fields,
    render: (values) => parts.map((p, i) => (i % 2 === 0 ? p : String(values[p as TopicField] ?? ''))).join(''),
  };
}

/**
 * MQTT 1.5.3 lets a broker close the connection over control characters (U+0001–U+001F,
 * U+007F–U+009F, TAB included) and non-characters (U+FFFE, U+FFFF, ...), and Mosquitto does:
 * the client would reconnect and be dropped again forever. A lone surrogate cannot be encoded
 * as UTF-8 at all (it would silently become U+FFFD).
 */
export const UNWELCOME = /[\p{Cc}\p{Noncharacter_Code_Point}\p{Cs}]/u;

/** Why a string cannot be a topic name to publish to, or undefined if it can. */
export function topicProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'empty topic';
  if (/[+#]/.test(topic)) return 'wildcards (+ or #) are not allowed in a topic to publish to';
  if (topic.includes('\u0000')) return 'NUL character in topic';
  if (UNWELCOME.test(topic)) return 'control character, non-character or lone surrogate in topic (Mosquitto drops the connection)';
  // MQTT 4.7.2: `$` topics belong to the broker; Mosquitto accepts a client's publish to $SYS
  // and silently drops it, which a replay would report as sent and compare as lost.
  if (topic.startsWith('$')) return 'topics starting with $ are reserved for the broker ($SYS/...)';
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long topics need counting.
  if (topic.length > 21845 && utf8Length(topic) > 65535) return 'topic longer than 65535 bytes (the MQTT limit)';
  return undefined;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    // A surrogate pair is one 4-byte character: 2 bytes for each half.
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}
