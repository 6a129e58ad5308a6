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
 * Recursive descent, one method per precedence level (lowest first):
 * `?:` · `or ||` · `and &&` · `not !` · comparisons · `+ -` · `* / %` · unary `- +` · `^ **` · primary.
 */
export function parseExpression(text: string): Node {
  return new Parser(text).parse();
}

/** The parser's position in the tokens and its nesting depth: one instance per expression. */
class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text).map(normalizeWordOperator);
  }

  parse(): Node {
    const tree = this.conditional();
    const rest = this.peek();
    if (rest.kind === 'op' && rest.value === '(') throw syntaxError(this.text, rest.at, 'only a function name can be called (a call result cannot)');
    if (rest.kind !== 'end') throw syntaxError(this.text, rest.at, `unexpected ${describe(rest)} after the end of the expression`);
    return tree;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private isOp(value: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === value;
  }

  /** The next token if it is one of these operators (consumed), else undefined. */
  private takeOp(...ops: string[]): Extract<Token, { kind: 'op' }> | undefined {
    const t = this.peek();
    if (t.kind !== 'op' || !ops.includes(t.value)) return undefined;
    this.pos++;
    return t;
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw syntaxError(this.text, this.peek().at, `expected "${value}"${describeFound(this.peek())}`);
    this.pos++;
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw syntaxError(this.text, this.peek().at, `nested more than ${MAX_DEPTH} levels deep`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private conditional(): Node {
    return this.nested(() => {
      const test = this.or();
      if (!this.takeOp('?')) return test;
      const then = this.conditional();
      this.expectOp(':');
      const otherwise = this.conditional();
      return { type: 'conditional', test, then, otherwise };
    });
  }

  private or(): Node {
    let left = this.and();
    while (this.takeOp('||')) left = { type: 'logical', op: 'or', left, right: this.and() };
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.takeOp('&&')) left = { type: 'logical', op: 'and', left, right: this.not() };
    return left;
  }

  private not(): Node {
    if (!this.takeOp('!')) return this.comparison();
    return this.nested(() => ({ type: 'unary', op: 'not', operand: this.not() }));
  }

  private comparison(): Node {
    const left = this.additive();
    const t = this.takeOp(...COMPARISONS);
    if (!t) return left;
    const node: Node = { type: 'binary', op: t.value, left, right: this.additive(), at: t.at };
    const next = this.peek();
    if (next.kind === 'op' && COMPARISONS.has(next.value)) throw syntaxError(this.text, next.at, 'comparisons cannot be chained (use "and")');
    return node;
  }

  private additive(): Node {
    return this.binaryLevel(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): Node {
    return this.binaryLevel(['*', '/', '%'], () => this.unary());
  }

  /** Left-associative operators of one precedence level. */
  private binaryLevel(ops: readonly string[], operand: () => Node): Node {
    let left = operand();
    for (let t = this.takeOp(...ops); t; t = this.takeOp(...ops)) left = { type: 'binary', op: t.value, left, right: operand(), at: t.at };
    return left;
  }

  private unary(): Node {
    const t = this.takeOp('-', '+');
    if (!t) return this.power();
    return this.nested(() => ({ type: 'unary', op: t.value as '-' | '+', operand: this.unary() }));
  }

  /** Right-associative and tighter than a leading minus: -2^2 is -(2^2), 2^3^2 is 2^(3^2). */
  private power(): Node {
    const base = this.primary();
    const t = this.takeOp('^', '**');
    if (!t) return base;
    return { type: 'binary', op: '^', left: base, right: this.nested(() => this.unary()), at: t.at };
  }

  private primary(): Node {
    const t = this.peek();
    this.pos++;
    switch (t.kind) {
      case 'number':
      case 'string':
        return { type: 'literal', value: t.value };
      case 'name':
        if (t.value === 'true' || t.value === 'false') return { type: 'literal', value: t.value === 'true' };
        if (this.isOp('(')) return this.call(t.value, t.at);
        return { type: 'variable', name: t.value, at: t.at };
      case 'op':
        if (t.value !== '(') throw syntaxError(this.text, t.at, `unexpected "${t.value}"`);
        return this.parenthesized();
      case 'end':
        throw syntaxError(this.text, t.at, 'unexpected end of expression');
    }
  }

  private parenthesized(): Node {
    const inner = this.conditional();
    this.expectOp(')');
    return inner;
  }

  private call(name: string, at: number): Node {
    this.pos++; // (
    // exists(x) looks at a name without evaluating it, so optional data can be tested for.
    if (name === 'exists') {
      const arg = this.peek();
      if (arg.kind !== 'name') throw syntaxError(this.text, arg.at, 'exists() takes a variable name');
      this.pos++;
      this.expectOp(')');
      return { type: 'exists', name: arg.value };
    }
    const args: Node[] = [];
    if (!this.isOp(')')) {
      do args.push(this.conditional());
      while (this.takeOp(','));
    }
    this.expectOp(')');
    return { type: 'call', name, args, at };
  }
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
