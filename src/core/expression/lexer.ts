import { SensortraceError } from '../errors.js';

/**
 * Tokens of the rule expression language. The lexer is the first line of defence: only
 * numbers, quoted strings, names (dotted for groups such as `limits.high`) and a fixed set of
 * operators exist, so nothing in an expression can name a JavaScript feature.
 */
export type Token =
  | { kind: 'number'; value: number; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'name'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

/** Longest operators first so `<=` is not read as `<` then `=`. */
const OPERATORS = ['**', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '^', '<', '>', '!', '?', ':', '(', ')', ','];
const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/;

export const MAX_EXPRESSION_LENGTH = 4096;

export class ExpressionError extends SensortraceError {
  constructor(
    message: string,
    readonly expression: string,
    readonly at?: number,
  ) {
    super(message, 'E_INPUT');
  }
}

export function syntaxError(text: string, at: number, what: string): ExpressionError {
  return new ExpressionError(`${what} at column ${at + 1} of "${shorten(text)}"`, text, at);
}

export function shorten(text: string): string {
  const oneLine = text.replace(/[\r\n]/g, ' ');
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

export function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`, text.slice(0, 60));
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', value: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const [value, end] = readString(text, i);
      tokens.push({ kind: 'string', value, at: i });
      i = end;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (!op) throw syntaxError(text, i, `unexpected character "${ch}"`);
    tokens.push({ kind: 'op', value: op, at: i });
    i += op.length;
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

/** A quoted string with backslash escapes for the quote and the backslash only. */
function readString(text: string, start: number): [string, number] {
  const quote = text[start];
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) {
      out += text[i + 1];
      i++;
    } else if (ch === quote) return [out, i + 1];
    else out += ch;
  }
  throw syntaxError(text, start, 'unterminated string');
}
