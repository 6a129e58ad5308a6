import { syntaxError, type Token, tokenize } from './lexer.js';

/** The syntax tree of an expression; evaluation walks it, nothing is ever turned back into code. */
export type Node =
  | { type: 'literal'; value: number | string | boolean }
  | { type: 'variable'; name: string; at: number }
  | { type: 'exists'; name: string }
  | { type: 'call'; name: string; args: Node[]; at: number }
  | { type: 'unary'; op: '-' | '+' | 'not'; operand: Node }
  | { type: 'binary'; op: string; left: Node; right: Node; at: number }
  | { type: 'logical'; op: 'and' | 'or'; left: Node; right: Node }
  | { type: 'conditional'; test: Node; then: Node; otherwise: Node };

/** Deep nesting would overflow the stack of the recursive parser and evaluator. */
export const MAX_DEPTH = 64;

const WORD_OPERATORS: Record<string, string> = { and: '&&', or: '||', not: '!' };
const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/**
 * Recursive descent, one function per precedence level (lowest first):
 * `?:` · `or ||` · `and &&` · `not !` · comparisons · `+ -` · `* / %` · unary `- +` · `^ **` · primary.
 */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text).map(normalizeWordOperator);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos]!;
  const isOp = (value: string): boolean => {
    const t = peek();
    return t.kind === 'op' && t.value === value;
  };
  const expectOp = (value: string): void => {
    if (!isOp(value)) throw syntaxError(text, peek().at, `expected "${value}"${describeFound(peek())}`);
    pos++;
  };
  const nested = <T>(parse: () => T): T => {
    if (++depth > MAX_DEPTH) throw syntaxError(text, peek().at, `nested more than ${MAX_DEPTH} levels deep`);
    try {
      return parse();
    } finally {
      depth--;
    }
  };

  const conditional = (): Node =>
    nested(() => {
      const test = or();
      if (!isOp('?')) return test;
      pos++;
      const then = conditional();
      expectOp(':');
      const otherwise = conditional();
      return { type: 'conditional', test, then, otherwise };
    });
  const or = (): Node => {
    let left = and();
    while (isOp('||')) {
      pos++;
      left = { type: 'logical', op: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Node => {
    let left = not();
    while (isOp('&&')) {
      pos++;
      left = { type: 'logical', op: 'and', left, right: not() };
    }
    return left;
  };
  const not = (): Node => {
    if (isOp('!')) {
      pos++;
      return nested(() => ({ type: 'unary', op: 'not', operand: not() }));
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = additive();
    const t = peek();
    if (t.kind !== 'op' || !COMPARISONS.has(t.value)) return left;
    pos++;
    const node: Node = { type: 'binary', op: t.value, left, right: additive(), at: t.at };
    const next = peek();
    if (next.kind === 'op' && COMPARISONS.has(next.value)) throw syntaxError(text, next.at, 'comparisons cannot be chained (use "and")');
    return node;
  };
  const binaryLevel = (ops: string[], operand: () => Node) => (): Node => {
    let left = operand();
    for (;;) {
      const t = peek();
      if (t.kind !== 'op' || !ops.includes(t.value)) return left;
      pos++;
      left = { type: 'binary', op: t.value, left, right: operand(), at: t.at };
    }
  };
  const unary = (): Node => {
    const t = peek();
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      pos++;
      return nested(() => ({ type: 'unary', op: t.value as '-' | '+', operand: unary() }));
    }
    return power();
  };
  const multiplicative = binaryLevel(['*', '/', '%'], unary);
  const additive = binaryLevel(['+', '-'], multiplicative);
  // Right-associative and tighter than a leading minus: -2^2 is -(2^2), 2^3^2 is 2^(3^2).
  const power = (): Node => {
    const base = primary();
    const t = peek();
    if (t.kind === 'op' && (t.value === '^' || t.value === '**')) {
      pos++;
      return { type: 'binary', op: '^', left: base, right: nested(unary), at: t.at };
    }
    return base;
  };
  const primary = (): Node => {
    const t = peek();
    pos++;
    switch (t.kind) {
      case 'number':
      case 'string':
        return { type: 'literal', value: t.value };
      case 'name':
        if (t.value === 'true' || t.value === 'false') return { type: 'literal', value: t.value === 'true' };
        if (isOp('(')) return call(t.value, t.at);
        return { type: 'variable', name: t.value, at: t.at };
      case 'op':
        if (t.value === '(') {
          const inner = conditional();
          expectOp(')');
          return inner;
        }
        throw syntaxError(text, t.at, `unexpected "${t.value}"`);
      case 'end':
        throw syntaxError(text, t.at, 'unexpected end of expression');
    }
  };
  const call = (name: string, at: number): Node => {
    pos++; // (
    // exists(x) looks at a name without evaluating it, so optional data can be tested for.
    if (name === 'exists') {
      const arg = peek();
      if (arg.kind !== 'name') throw syntaxError(text, arg.at, 'exists() takes a variable name');
      pos++;
      expectOp(')');
      return { type: 'exists', name: arg.value };
    }
    const args: Node[] = [];
    if (!isOp(')')) {
      for (;;) {
        args.push(conditional());
        if (!isOp(',')) break;
        pos++;
      }
    }
    expectOp(')');
    return { type: 'call', name, args, at };
  };

  const tree = conditional();
  const rest = peek();
  if (rest.kind === 'op' && rest.value === '(') throw syntaxError(text, rest.at, 'only a function name can be called (a call result cannot)');
  if (rest.kind !== 'end') throw syntaxError(text, peek().at, `unexpected ${describe(peek())} after the end of the expression`);
  return tree;
}

function normalizeWordOperator(token: Token): Token {
  if (token.kind === 'name' && token.value in WORD_OPERATORS && Object.hasOwn(WORD_OPERATORS, token.value)) {
    return { kind: 'op', value: WORD_OPERATORS[token.value]!, at: token.at };
  }
  return token;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end' : `"${String(token.value)}"`;
}

function describeFound(token: Token): string {
  return token.kind === 'end' ? ' but the expression ended' : ` (found ${describe(token)})`;
}
